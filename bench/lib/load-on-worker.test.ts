// @isolated: times a load while this thread is held busy on purpose; a busy neighbour would blur the two apart.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { NodeProcess } from '../../src/testing/cli-process.js';
import { spawnHelloServer } from '../../src/loadgen/testing/peers.js';
import { LoadWorker } from './load-on-worker.js';

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
  const worker = new LoadWorker();
  const report = await worker.run(
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
  ).finally(() => worker.close());
  assert.equal(starts, 1, 'onStart once, when the clock started');
  assert.equal(report.summary.due, 300, 'every due request counted');
  assert.equal(report.summary.errors, 0);
  assert.ok(report.summary.latency.max < HELD_MS / 2, `the slowest request took ${report.summary.latency.max} ms: held by the bench's busy thread`);
});

test('one load worker runs loads one after another: each report counts only its own requests, a failed run rejects and the next still runs, close ends the thread', async () => {
  const worker = new LoadWorker();
  const options = (rate: number) => ({
    scenario: 'get', target: server.url, seedFile: '', path: '/', randomSeed: 1, live: false,
    stages: [{ kind: 'steady' as const, durationMs: 1000, fromRate: rate, toRate: rate }],
    arrival: 'constant' as const, connections: 4, timeoutMs: 10_000, thresholds: [],
  });
  try {
    const first = await worker.run(options(50));
    await assert.rejects(worker.run({ ...options(50), scenario: 'no-such-scenario' }), /load worker: unknown scenario "no-such-scenario"/);
    let started = 0;
    const second = await worker.run(options(80), () => started++);
    assert.deepEqual([first.summary.due, first.summary.errors], [50, 0]);
    assert.deepEqual([second.summary.due, second.summary.errors, started], [80, 0, 1]);
    assert.equal(second.summary.completed, 80, 'the second report does not carry the first one\'s requests');
  } finally {
    await worker.close();
  }
  await assert.rejects(worker.run(options(50)), /load worker exited/);
});
