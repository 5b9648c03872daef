#!/usr/bin/env node
// Builds the web client and console (web/ → web/dist/) when the build is missing or older
// than any of its sources; otherwise a no-op of a few milliseconds. Runs before `npm start`
// (the `prestart` script) and before the browser tests, so the README's two commands stay
// all a user runs (docs/adr/0030-web-client-and-console.md). `--force` always builds.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');
const stamp = join(root, 'dist', 'index.html');

function newest(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).filter((n) => n !== 'dist' && n !== 'node_modules').map((n) => newest(join(path, n))));
}

export async function buildWeb({ force = false, quiet = false } = {}) {
  const stale = force || !existsSync(stamp) || newest(root) > statSync(stamp).mtimeMs;
  if (!stale) return false;
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: quiet ? 'warn' : 'info' });
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildWeb({ force: process.argv.includes('--force') });
}
