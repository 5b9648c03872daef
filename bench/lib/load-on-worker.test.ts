// @isolated: times a load while this thread is held busy on purpose; a busy neighbour would blur the two apart.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { NodeProcess } from '../../src/testing/cli-process.js';
import { spawnHelloServer } from '../../src/loadgen/testing/peers.js';
import { runLoadOnWorker } from './load-on-worker.js';

let server: NodeProcess;

before(async () => {
  server = await spawnHelloServer();
});

after(async () => {
  await server?.stop();
});

/** Holds this thread, as a bench's own work (a scrape, a collection of its heap) would. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('a load on its worker thread sends every due request, and a busy bench thread does not hold it back', async () => {
  const HELD_MS = 1500;
  let starts = 0;
  const report = await runLoadOnWorker(
    {
      scenario: 'get', target: server.url, seedFile: '', path: '/', randomSeed: 1, live: false,
      stages: [{ kind: 'steady', durationMs: 3000, fromRate: 100, toRate: 100 }],
      arrival: 'constant', connections: 8, timeoutMs: 10_000, thresholds: [],
    },
    () => {
      starts++;
      // Held just after the worker's clock started: on this thread the generator would send nothing for HELD_MS
      // and time every request due meanwhile from its due time.
      setTimeout(() => busy(HELD_MS), 500);
    },
  );
  assert.equal(starts, 1, 'onStart once, when the clock started');
  assert.equal(report.summary.due, 300, 'every due request counted');
  assert.equal(report.summary.errors, 0);
  assert.ok(report.summary.latency.max < HELD_MS / 2, `the slowest request took ${report.summary.latency.max} ms: held by the bench's busy thread`);
});
