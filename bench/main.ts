/**
 * `npm run bench -- [name...]`: runs the named benchmarks (every file in
 * bench/ that exports `benchmark`), or all of them with no name. Each prints
 * its report and appends it to reports/bench-<name>.md.
 */
import { readdirSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Benchmark } from './lib/benchmark.js';
import { Report } from './lib/report.js';
import { BUILT_CLI_ENTRY } from '../src/testing/cli-process.js';
import { buildServer } from '../tools/build-server.mjs';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
/** The benchmarks' modules end as this one does: .ts through tsx, .js where the test suites run compiled (tools/test-mirror.mjs). */
const MODULE_EXT = extname(fileURLToPath(import.meta.url));

function available(): string[] {
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.ts') && f !== 'main.ts' && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function load(name: string): Promise<Benchmark> {
  const module = (await import(new URL(`./${name}${MODULE_EXT}`, import.meta.url).href)) as { benchmark?: Benchmark };
  if (!module.benchmark) throw new Error(`bench/${name}.ts does not export \`benchmark\``);
  return module.benchmark;
}

async function listing(names: string[]): Promise<string> {
  const lines = await Promise.all(names.map(async (n) => `  ${n.padEnd(14)} ${(await load(n)).description}`));
  return `available benchmarks:\n${lines.join('\n')}\n\nusage: npm run bench -- [name...] [--profile]   (no name runs them all)\n`;
}

// The systems measured run as `npm start` runs them: compiled, without tsx's loader (tools/build-server.mjs).
await buildServer();
process.env['SCALESTACK_CLI_ENTRY'] ??= BUILT_CLI_ENTRY;

const names = available();
// --profile: benchmarks that support it write a CPU profile per row (bench/lib/profile.ts).
if (process.argv.includes('--profile')) process.env['BENCH_PROFILE'] = '1';
const args = process.argv.slice(2).filter((a) => a !== '--' && a !== '--profile');
if (args.includes('--help') || args.includes('-h') || args.includes('--list')) {
  process.stdout.write(await listing(names));
  process.exit(0);
}
const unknown = args.filter((a) => !names.includes(a));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}\n\n${await listing(names)}`);
  process.exit(2);
}

let ok = true;
for (const name of args.length > 0 ? args : names) {
  const benchmark = await load(name);
  const report = new Report(name);
  let valid = false;
  try {
    valid = await benchmark.run(report);
  } catch (err) {
    report.text(`**failed:** ${(err as Error).stack ?? String(err)}`);
  }
  const file = await report.save();
  process.stderr.write(`${name}: ${valid ? 'done' : 'NOT VALID (see above)'}; report appended to ${file}\n`);
  ok &&= valid;
}
process.exit(ok ? 0 : 1);
