// @isolated: measures an achieved request rate, which a busy neighbour would distort.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { NodeProcess } from '../testing/cli-process.js';
import { openLoopRun, spawnHelloServer } from './testing/peers.js';

/**
 * The arrival rate we promise is the rate we send: 2,000 req/s for 20 s
 * against a bare node:http hello world (its own process) completes within 2%
 * of 40,000 requests inside the 20 s.
 *
 * The max-rate comparison with autocannon (goal: ≥ 80% of its rate) lives in
 * `npm run bench -- loadgen` instead of here: on a shared 2-core machine both tools and the server fight
 * for the same cores, and a ratio of two saturated runs swings with whatever
 * else runs at that moment, which is a benchmark's job to report, not a
 * test's to gate on.
 */
let server: NodeProcess;

before(async () => {
  server = await spawnHelloServer();
});

after(async () => {
  await server?.stop();
});

test('2,000 req/s for 20 s achieves within 2% of the target rate', async (t) => {
  const report = await openLoopRun(server.url, 2000, 20, 32);
  const s = report.summary;
  const error = Math.abs(s.achievedRate - 2000) / 2000;
  t.diagnostic(
    `target 2000 req/s: achieved ${s.achievedRate.toFixed(1)} req/s (${(100 * error).toFixed(2)}% off), sent ${s.sent}/${s.expected}, p50 ${s.latency.p50} ms, p99 ${s.latency.p99} ms`,
  );
  assert.equal(s.errors, 0);
  assert.ok(error <= 0.02, `achieved ${s.achievedRate.toFixed(1)} req/s is ${(100 * error).toFixed(2)}% off 2000`);
});
