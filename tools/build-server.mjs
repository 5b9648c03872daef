#!/usr/bin/env node
// Compiles the server's TypeScript (src/ → build/, one .js per .ts, tests left out) for `npm start`,
// when the build is missing or older than any source; otherwise a no-op of a few milliseconds.
// Why not tsx at run time, as the tests do: its loader runs every module's resolve and load on a
// second thread, with a V8 isolate of its own, and makes Node parse an inline source map per file.
// Measured on a fresh data directory (docs/perf/results.md#memory-at-start): ~90 MB less resident
// after start. esbuild only strips types (no type check: `npm run typecheck` does that), ~2 s.
// build/ sits at the depth of src/, so paths the code builds from import.meta.url (web/dist,
// deploy/chaos) resolve the same from either; files that are not TypeScript are copied beside.
// `--force` always builds.
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
export const BUILD_DIR = join(root, 'build');

const isTest = (path) => /\.test\.ts$/.test(path) || /[\\/]testdata[\\/]/.test(path);

function sources(dir, found = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, found);
    else if (!isTest(path)) found.push(path);
  }
  return found;
}

export async function buildServer({ force = false, quiet = false, outDir = BUILD_DIR } = {}) {
  const stamp = join(outDir, '.built');
  const files = sources(src);
  const newest = Math.max(...files.map((f) => statSync(f).mtimeMs), statSync(join(root, 'package-lock.json')).mtimeMs);
  if (!force && existsSync(stamp) && statSync(stamp).mtimeMs >= newest) return false;
  const started = performance.now();
  const { build } = await import('esbuild');
  // Built beside, then swapped in: a process starting from build/ meanwhile never sees half of it.
  const next = `${outDir}.${process.pid}.partial`;
  rmSync(next, { recursive: true, force: true });
  const typescript = files.filter((f) => f.endsWith('.ts'));
  await build({
    entryPoints: typescript,
    outdir: next,
    outbase: src,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Beside each file, for a debugger or `node --enable-source-maps` (off by default: parsing them costs start time).
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  for (const file of files.filter((f) => !f.endsWith('.ts'))) {
    const target = join(next, relative(src, file));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(file, target);
  }
  writeFileSync(join(next, '.built'), new Date().toISOString());
  rmSync(outDir, { recursive: true, force: true });
  renameSync(next, outDir);
  if (!quiet) console.log(`build-server: ${typescript.length} files compiled to ${relative(root, outDir)}/ in ${Math.round(performance.now() - started)} ms`);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildServer({ force: process.argv.includes('--force') });
}
