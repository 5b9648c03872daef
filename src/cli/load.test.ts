import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cliEntry, spawnScript, type NodeProcess } from '../testing/cli-process.js';
import { spawnHelloServer } from '../loadgen/testing/peers.js';
import { EXIT_THRESHOLDS } from './load.js';

/** `scalestack load` as CI would run it: thresholds turn into the exit code and say which broke. */
let server: NodeProcess;
let reports: string;

before(async () => {
  reports = await mkdtemp(join(tmpdir(), 'scalestack-load-'));
  server = await spawnHelloServer();
});

after(async () => {
  await server?.stop();
  await rm(reports, { recursive: true, force: true });
});

async function load(...args: string[]): Promise<{ code: number | null; output: string }> {
  const base = ['load', '--scenario', 'get', '--target', server.url, '--rate', '100', '--duration', '2s', '--reports-dir', reports];
  const child = await spawnScript(cliEntry(), [...base, ...args]);
  const { code } = await child.exited;
  return { code, output: child.output() };
}

test('thresholds that hold exit 0 and the run writes its JSON and HTML report', async () => {
  const { code, output } = await load('--threshold', 'p99<5s', '--threshold', 'errors<1%');
  assert.equal(code, 0, output);
  assert.match(output, /threshold p99<5s: held/);
  assert.match(output, /rate +\d+\/s \(target 100\)/, 'live progress line');
  const files = await readdir(reports);
  assert.ok(files.some((f) => f.endsWith('.json')) && files.some((f) => f.endsWith('.html')), files.join(', '));
  const html = files.find((f) => f.endsWith('.html'))!;
  assert.ok(existsSync(join(reports, html)));
});

test('a broken threshold exits non-zero and names the threshold and what was measured', async () => {
  const { code, output } = await load('--threshold', 'errors<1%', '--threshold', 'p50<1us', '--threshold', 'rate>=1000');
  assert.equal(code, EXIT_THRESHOLDS, output);
  assert.match(output, /scalestack load: 2 thresholds broken: p50<1us \(measured [\d.]+ms\); rate>=1000 \(measured [\d.]+ req\/s\)/);
  assert.match(output, /threshold errors<1%: held/);
});

test('a malformed threshold is a usage error before any load is sent', async () => {
  const { code, output } = await load('--threshold', 'p99 under 200');
  assert.equal(code, 2, output);
  assert.match(output, /bad threshold "p99 under 200"/);
});

test('the summary shows due, sent, completed, timed out and how late the generator sent; a bad --grace is a usage error', async () => {
  const { code, output } = await load('--grace', '2s');
  assert.equal(code, 0, output);
  assert.match(output, /due 200, sent 200, completed 200, timed out 0 \(never sent 0\)/);
  assert.match(output, /sent after their due time \(the generator's own delay, in every latency\): p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms/);
  const bad = await load('--grace', 'soon');
  assert.equal(bad.code, 2, bad.output);
  assert.match(bad.output, /bad duration "soon"/);
});
