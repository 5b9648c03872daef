import { appendFile, mkdir } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPORTS_DIR = fileURLToPath(new URL('../../reports', import.meta.url));

/** What a benchmark ran on: printed at the top of every report. */
export function machine(): Record<string, string> {
  const cores = cpus();
  return {
    node: process.version,
    cpu: `${cores[0]?.model.trim() ?? 'unknown'} (${cores.length} logical cores)`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    platform: `${process.platform} ${process.arch}`,
  };
}

export function markdownTable(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(3, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || /^([\d.,x%-]+|-)$/.test(String(r[i]))));
  const line = (r: string[]) => `| ${r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(headers), rule, ...rows.map((r) => line(r.map(String)))].join('\n');
}

/**
 * A benchmark's report: everything written to it is printed to stdout as it
 * comes and, on save(), appended to reports/bench-<name>.md.
 */
export class Report {
  private readonly parts: string[] = [];

  constructor(readonly name: string) {}

  /** A paragraph of markdown. */
  text(markdown: string): void {
    this.parts.push(markdown);
    process.stdout.write(`${markdown}\n\n`);
  }

  /** A bullet list of key: value. */
  facts(facts: Record<string, string | number>): void {
    this.text(Object.entries(facts).map(([k, v]) => `- ${k}: ${v}`).join('\n'));
  }

  table(headers: string[], rows: Array<Array<string | number>>): void {
    this.text(markdownTable(headers, rows));
  }

  /** Appends this run to reports/bench-<name>.md; returns the file's path. */
  async save(): Promise<string> {
    await mkdir(REPORTS_DIR, { recursive: true });
    const file = join(REPORTS_DIR, `bench-${this.name}.md`);
    await appendFile(file, `${this.parts.join('\n\n')}\n\n---\n\n`);
    return file;
  }
}

/** Progress on stderr: one rewritten line on a terminal, a line every few seconds otherwise. */
export function progress(label: string, total: number): { tick(n?: number): void; done(): void } {
  const t0 = performance.now();
  let count = 0;
  let lastPrint = 0;
  const tty = process.stderr.isTTY === true;
  const print = (final: boolean) => {
    const seconds = (performance.now() - t0) / 1000;
    const rate = seconds > 0 ? Math.round(count / seconds) : 0;
    const msg = `  ${label}: ${count}/${total} (${rate}/s, ${seconds.toFixed(1)} s)`;
    if (tty) process.stderr.write(`\r${msg}${final ? '\n' : ''}`);
    else process.stderr.write(`${msg}\n`);
  };
  return {
    tick(n = 1) {
      count += n;
      const now = performance.now();
      if (now - lastPrint > (tty ? 200 : 5000)) {
        lastPrint = now;
        print(false);
      }
    },
    done() {
      print(true);
    },
  };
}
