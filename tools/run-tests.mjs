// Runs every *.test.ts under src/, bench/ and tools/ (or the paths given) with node's test runner via tsx.
//
// Two phases: first every ordinary file, two at a time; then, one at a time, the files that carry an
// `@isolated` marker in their first lines (they restart shared servers, or assert a functional time
// bound that a busy neighbour would break). One closing line sums both phases, after the list of
// skipped tests with their reasons. With CI=true or REQUIRE_SERVICES=1 a skipped test fails the run:
// there, everything runs (a test that does not apply to a target is not registered for it).
//
// The suites start the system's CLI compiled (build/, brought up to date here first), as `npm start` runs it:
// from the source through tsx a services topology is ready in ~18 s, compiled in ~6.6 s, and the suites
// start dozens. SCALESTACK_CLI_ENTRY=src/cli/main.ts runs them on the source instead; a few suites always
// start the source, as `npx scalestack` does (src/testing/cli-process.ts).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildServer } from './build-server.mjs';

function findTests(path, out = []) {
  if (statSync(path).isFile()) {
    if (path.endsWith('.test.ts')) out.push(path);
    return out;
  }
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    findTests(join(path, entry), out);
  }
  return out;
}

const isolated = (file) => /@isolated\b/.test(readFileSync(file, 'utf8').split('\n').slice(0, 10).join('\n'));

/** `ok 3 - title # SKIP reason` lines, nested or not; filtering by --test-name-pattern is not a skip of ours. */
const SKIP_LINE = /^\s*ok \d+ - (.*) # SKIP(?: (.*))?$/;
const skippedTests = [];
/** Each `not ok` line with the location and first lines of its error, repeated at the end: CI shows only the tail. */
const failures = [];
const NOT_OK_LINE = /^(\s*)not ok \d+ - (.*)$/;

/** Runs node --test on `files`, echoing its output, and returns the counts from its closing summary. */
function run(files, concurrency, timeoutMs, flags) {
  const args = ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${timeoutMs}`, ...flags, ...files];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const totals = { pass: 0, fail: 0, skipped: 0, cancelled: 0, todo: 0 };
    let pending = '';
    let failure = null; // the failure whose YAML block is being read
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^# (pass|fail|skipped|cancelled|todo) (\d+)$/.exec(line);
        if (m) totals[m[1]] = Number(m[2]);
        const notOk = NOT_OK_LINE.exec(line);
        if (notOk) {
          failure = { title: notOk[2], details: [] };
          failures.push(failure);
        } else if (failure) {
          if (/^\s*\.\.\.$/.test(line)) failure = null;
          else if (/^\s*(location|error|code|failureType):/.test(line) || (failure.details.length > 0 && failure.details.length < 8 && !/^\s*(duration_ms|type|stack|expected|actual|operator):/.test(line))) failure.details.push(line.trim());
        }
        const skip = SKIP_LINE.exec(line);
        if (skip && skip[2] !== 'test name does not match pattern') skippedTests.push(`${skip[1]}: ${skip[2] ?? '(no reason)'}`);
      }
    });
    child.on('close', (code) => resolve({ code: code ?? 1, totals }));
  });
}

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = (roots.length ? roots : ['src', 'bench', 'tools'])
  .flatMap((root) => { try { return findTests(root); } catch { return []; } })
  .sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

const phases = [
  // A test that runs longer than its phase's limit fails instead of holding CI up.
  { name: 'parallel', files: files.filter((f) => !isolated(f)), concurrency: 2, timeoutMs: 300_000 },
  { name: 'isolated', files: files.filter(isolated), concurrency: 1, timeoutMs: 600_000 },
].filter((p) => p.files.length > 0);

if (!process.env.SCALESTACK_CLI_ENTRY) {
  await buildServer({ quiet: true });
  process.env.SCALESTACK_CLI_ENTRY = 'build/cli/main.js';
}
console.error(`tests start the CLI from ${process.env.SCALESTACK_CLI_ENTRY}`);

const sum = { pass: 0, fail: 0, skipped: 0, cancelled: 0, todo: 0 };
let failed = false;
for (const phase of phases) {
  console.error(`\n== ${phase.name}: ${phase.files.length} file(s), ${phase.concurrency} at a time`);
  const { code, totals } = await run(phase.files, phase.concurrency, phase.timeoutMs, flags);
  for (const key of Object.keys(sum)) sum[key] += totals[key];
  failed ||= code !== 0;
}
const required = process.env.CI === 'true' || process.env.REQUIRE_SERVICES === '1';
if (skippedTests.length > 0) {
  console.log(`\nskipped${required ? ' (CI=true or REQUIRE_SERVICES=1: each one fails the run)' : ''}:`);
  for (const t of skippedTests) console.log(`  - ${t}`);
}
if (failures.length > 0) {
  console.log('\nfailed:');
  for (const f of failures) {
    console.log(`  - ${f.title}`);
    for (const d of f.details) console.log(`      ${d}`);
  }
}
const cancelled = sum.cancelled ? `, ${sum.cancelled} cancelled` : '';
console.log(`\ntests: ${sum.pass} passed, ${sum.fail + sum.cancelled} failed, ${sum.skipped} skipped${cancelled}`);
process.exit(failed || sum.fail + sum.cancelled > 0 || (required && skippedTests.length > 0) ? 1 : 0);
