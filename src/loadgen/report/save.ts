import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderHtml } from './html.js';
import { toJson, type LoadReport } from './report.js';

/** Writes <dir>/load-<scenario>-<time>.json and .html; returns both paths. */
export async function saveReport(dir: string, report: LoadReport): Promise<{ json: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const base = join(dir, `load-${report.scenario}-${stamp}`);
  const files = { json: `${base}.json`, html: `${base}.html` };
  await writeFile(files.json, toJson(report));
  await writeFile(files.html, renderHtml(report));
  return files;
}
