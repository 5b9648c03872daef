// @isolated: measures an achieved request rate, which a busy neighbour would distort.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spawnScript, type NodeProcess } from '../testing/cli-process.js';
import { autocannonRun, openLoopRun } from './testing/peers.js';

/**
 * Coordinated omission: a server answering in 2 ms but stalling 1 s every
 * 5 s. An open-model run sees every request that was due during the stall
 * wait for it (p99 near the stall); closed-loop autocannon only has its few
 * connections waiting, and sends nothing while they wait, so its p99 hides
 * the stall. Both run in this test, one after the other, each 6 s (each
 * spans one whole stall).
 */
let server: NodeProcess;

before(async () => {
  // The clock starts at our run's warm-up: our 6 s hold the stall at 4-5 s and end outside one (a run ending
  // inside a stall counts its backlog as timed out, an error), and autocannon's 6 s after it hold the one at 9-10 s.
  server = await spawnScript('src/loadgen/testing/stall-server.ts', [], { env: { RESPONSE_MS: '2', STALL_MS: '1000', PERIOD_MS: '5000', CLOCK: 'first-request' } });
  await server.waitReady('/readyz', 30_000);
});

after(async () => {
  await server?.stop();
});

test('our p99 shows a 1 s stall that closed-loop autocannon hides', async (t) => {
  const ours = await openLoopRun(server.url, 200, 6, 32);
  const theirs = await autocannonRun(server.url, 10, 6);
  const line = `stall server, 6 s each: open model p99 ${ours.summary.latency.p99.toFixed(1)} ms (p50 ${ours.summary.latency.p50.toFixed(1)}, max ${ours.summary.latency.max.toFixed(0)}, ${ours.summary.completed} requests at ${ours.summary.achievedRate.toFixed(0)}/s); autocannon (10 connections) p99 ${theirs.p99} ms (p50 ${theirs.p50}, max ${theirs.max}, ${theirs.rps.toFixed(0)} req/s)`;
  t.diagnostic(line);
  assert.equal(ours.summary.errors, 0);
  // 1 s of every 5 s stalls, so ~20% of due requests wait up to 1 s: p99 is close to the stall.
  assert.ok(ours.summary.latency.p99 >= 500, `open-model p99 ${ours.summary.latency.p99} ms should show the 1 s stall`);
  assert.ok(theirs.p99 < ours.summary.latency.p99, `closed-loop p99 ${theirs.p99} ms should be below ours ${ours.summary.latency.p99} ms`);
});
