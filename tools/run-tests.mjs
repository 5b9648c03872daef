// Runs every *.test.ts under src/, bench/ and tools/ (or the paths given) with node's test runner, compiled
// to JavaScript first (tools/test-mirror.mjs; TEST_FROM_SOURCE=1 runs them through tsx instead).
//
// Two phases: first every ordinary file, two at a time; then, one at a time, the files that carry an
// `@isolated` marker in their first lines (they restart shared servers, or assert a functional time
// bound that a busy neighbour would break). Each file runs in its own process, as under `node --test`,
// slowest first by tools/test-durations.json, and its output is printed whole when it ends. The close
// lists skipped tests with their reasons and failures, each phase's time and slowest files, then one
// line summing both phases. With CI=true or REQUIRE_SERVICES=1 a skipped test fails the run:
// there, everything runs (a test that does not apply to a target is not registered for it).
//
// The suites start the system's CLI compiled (build/, brought up to date here first), as `npm start` runs it:
// from the source through tsx a services topology is ready in ~18 s, compiled in ~6.6 s, and the suites
// start dozens. SCALESTACK_CLI_ENTRY=src/cli/main.ts runs them on the source instead; a few suites always
// start the source, as `npx scalestack` does (src/testing/cli-process.ts).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildServer } from './build-server.mjs';
import { PACKAGE_ROOT, buildTestMirror, isMirrored, mirrorForThisRun, mirroredPath } from './test-mirror.mjs';

/** Each file's time on a full run (RECORD_TEST_DURATIONS=1 rewrites it); TEST_DURATIONS_FILE points elsewhere (its test). */
const DURATIONS = process.env.TEST_DURATIONS_FILE || 'tools/test-durations.json';

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
/** A file's closing summary (unindented: nested suites print none). */
const TOTAL_LINE = /^# (pass|fail|skipped|cancelled|todo) (\d+)$/;

/** Reads one file's TAP output: its counts, and its skips and failures into the run's lists. */
function readTap(output) {
  const totals = { pass: 0, fail: 0, skipped: 0, cancelled: 0, todo: 0 };
  let failure = null; // the failure whose YAML block is being read
  for (const line of output.split('\n')) {
    const m = TOTAL_LINE.exec(line);
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
  return totals;
}

/** This run's compiled mirror (tools/test-mirror.mjs), once built; removed when the runner ends. */
let mirror = null;
function removeMirror() {
  if (mirror) rmSync(mirror, { recursive: true, force: true });
}

/** Process groups of the files running now: stopped with the runner (a file's servers die with it). */
const running = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const pid of running) killGroup(pid);
    removeMirror();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}
function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Runs one file in its own process, the one `node --test` would start for it (node:test's TAP on stdout), and
 * prints its output in one piece when it ends, so two files' lines never interleave. The process runs the
 * file's compiled counterpart in the mirror when there is one (source maps on, so a failure names the .ts
 * line); otherwise (TEST_FROM_SOURCE=1, or a file outside src/, bench/ and tools/) the file through tsx.
 * A file past `timeoutMs` is killed with what it started and counted as a failure.
 */
function runFile(file, timeoutMs, flags) {
  const started = Date.now();
  return new Promise((resolve) => {
    const compiled = mirror ? mirroredPath(file, PACKAGE_ROOT, mirror) : null;
    // SCALESTACK_TEST_MODE tells a suite how it was started (tools/run-tests.test.ts checks the runner by it).
    const [args, mode] = compiled ? [['--enable-source-maps', ...flags, compiled], 'compiled'] : [['--import', 'tsx', ...flags, file], 'source'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, SCALESTACK_TEST_MODE: mode } });
    running.add(child.pid);
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child.pid);
      const seconds = (Date.now() - started) / 1000;
      const output = Buffer.concat(chunks).toString();
      const totals = readTap(output);
      // What node --test reports as a failed file: a crash before or between tests, a timeout, a non-zero exit.
      const exitedBadly = timedOut || code !== 0;
      if (exitedBadly && totals.fail + totals.cancelled === 0) {
        totals.fail++;
        const why = timedOut ? `killed after ${timeoutMs / 1000} s (the file's time limit)` : `exited with ${signal ?? `code ${code}`} and no failed test`;
        failures.push({ title: file, details: [why, ...output.trim().split('\n').filter((l) => l.trim() !== '' && !/^\s+at /.test(l)).slice(-6)] });
      }
      const status = exitedBadly ? 'FAILED' : 'ok';
      process.stdout.write(`\n## ${file}: ${status} in ${seconds.toFixed(1)} s (${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped)\n${output}`);
      resolve({ file, seconds, totals });
    });
  });
}

/** Seconds per file, as last recorded (none before the first recording). */
const readDurations = () => (existsSync(DURATIONS) ? JSON.parse(readFileSync(DURATIONS, 'utf8')) : {});

/**
 * Longest first (tools/test-durations.json, measured on a full run): two files at a time finish together
 * instead of the slowest starting last and running alone. A file not listed yet goes first.
 */
function slowestFirst(files) {
  const known = readDurations();
  const seconds = (f) => known[f] ?? Infinity;
  return [...files].sort((a, b) => seconds(b) - seconds(a) || a.localeCompare(b));
}

/** RECORD_TEST_DURATIONS=1: this run's times replace the listed ones of the files it ran (commit the file). */
function recordDurations(results) {
  const known = readDurations();
  for (const r of results) known[r.file] = Math.round(r.seconds * 10) / 10;
  const sorted = Object.fromEntries(Object.entries(known).filter(([f]) => existsSync(f)).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(DURATIONS, `${JSON.stringify(sorted, null, 1)}\n`);
}

/** Runs `files`, `concurrency` at a time, slowest first; returns each file's result. */
async function runPhase(files, concurrency, timeoutMs, flags) {
  const queue = slowestFirst(files);
  const results = [];
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) results.push(await runFile(file, timeoutMs, flags));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
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

// A file that runs longer than its phase's limit fails instead of holding CI up (the longest take ~2 min).
// TEST_FILE_LIMIT_S sets both (tools/run-tests.test.ts).
const limitMs = (seconds) => (Number(process.env.TEST_FILE_LIMIT_S) || seconds) * 1000;
const phases = [
  { name: 'parallel', files: files.filter((f) => !isolated(f)), concurrency: 2, timeoutMs: limitMs(600) },
  { name: 'isolated', files: files.filter(isolated), concurrency: 1, timeoutMs: limitMs(900) },
].filter((p) => p.files.length > 0);

if (!process.env.SCALESTACK_CLI_ENTRY) {
  await buildServer({ quiet: true });
  process.env.SCALESTACK_CLI_ENTRY = 'build/cli/main.js';
}
console.error(`tests start the CLI from ${process.env.SCALESTACK_CLI_ENTRY}`);

// Built only when a file to run lies in it (the runner's own test starts runners on files elsewhere).
if (process.env.TEST_FROM_SOURCE !== '1' && files.some((f) => isMirrored(f, PACKAGE_ROOT))) {
  const started = Date.now();
  mirror = mirrorForThisRun();
  const modules = await buildTestMirror(PACKAGE_ROOT, mirror);
  console.error(`tests run compiled: ${modules} modules into ${mirror.slice(PACKAGE_ROOT.length + 1)}/ in ${Date.now() - started} ms (TEST_FROM_SOURCE=1 runs them through tsx)`);
}

const sum = { pass: 0, fail: 0, skipped: 0, cancelled: 0, todo: 0 };
const timings = [];
for (const phase of phases) {
  console.error(`\n== ${phase.name}: ${phase.files.length} file(s), ${phase.concurrency} at a time, slowest first`);
  const started = Date.now();
  const results = await runPhase(phase.files, phase.concurrency, phase.timeoutMs, flags);
  for (const r of results) for (const key of Object.keys(sum)) sum[key] += r.totals[key];
  const wall = (Date.now() - started) / 1000;
  const busy = results.reduce((s, r) => s + r.seconds, 0);
  const slowest = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 5).map((r) => `${r.file} ${r.seconds.toFixed(0)} s`);
  timings.push(`${phase.name}: ${wall.toFixed(0)} s for ${busy.toFixed(0)} s of files; slowest: ${slowest.join(', ')}`);
  if (process.env.RECORD_TEST_DURATIONS === '1') recordDurations(results);
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
console.log(`\n${timings.join('\n')}`);
const cancelled = sum.cancelled ? `, ${sum.cancelled} cancelled` : '';
console.log(`\ntests: ${sum.pass} passed, ${sum.fail + sum.cancelled} failed, ${sum.skipped} skipped${cancelled}`);
removeMirror();
// A file that exited badly counts a failure of its own when its TAP showed none (runFile).
process.exit(sum.fail + sum.cancelled > 0 || (required && skippedTests.length > 0) ? 1 : 0);
