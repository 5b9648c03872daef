import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { NodeProcess } from '../testing/cli-process.js';
import { runLoad } from './run.js';
import { parseStages } from './stages.js';
import { spawnHelloServer } from './testing/peers.js';

/**
 * The report says how late the generator itself sent requests: a run whose thread was held (a long task, a
 * GC, a starved CPU) shows it there, instead of only as server latency.
 */
let server: NodeProcess;

before(async () => {
  server = await spawnHelloServer();
});

after(async () => {
  await server?.stop();
});

test('a generator held for 150 ms reports the requests it sent late, and only those', async (t) => {
  const HOLD_MS = 150;
  const report = await runLoad({
    scenario: 'get', target: server.url, stages: parseStages(['steady:2s:200']), arrival: 'constant', connections: 8,
    timeoutMs: 10_000, thresholds: [], seedFile: '', path: '/', randomSeed: 1, live: null,
    // One second in, this thread is busy for HOLD_MS: the requests due meanwhile go out when it is free again.
    onStart: () => setTimeout(() => {
      for (const end = performance.now() + HOLD_MS; performance.now() < end; );
    }, 1000),
  });
  const s = report.summary;
  const late = s.sendLateness!;
  t.diagnostic(`sent ${s.sent}: lateness p50 ${late.p50} ms, p99 ${late.p99} ms, max ${late.max} ms`);
  assert.equal(late.count, s.sent, 'one lateness sample per request sent');
  // The first request due after the hold began waited nearly all of it (due every 5 ms).
  assert.ok(late.max >= HOLD_MS - 10, `max lateness ${late.max} ms should show the ${HOLD_MS} ms hold`);
  // ~30 of the 400 were due during the hold: the median request went out on time.
  assert.ok(late.p50 < HOLD_MS / 5, `median lateness ${late.p50} ms: most requests were not held`);
});
