import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spawnScript, type NodeProcess } from '../testing/cli-process.js';
import { runEngine } from './engine.js';
import { runLoad } from './run.js';
import { parseStages } from './stages.js';
import { spawnHelloServer } from './testing/peers.js';

/**
 * When the generator sends: the report says how late it sent requests (a run whose thread was held by a long
 * task, a GC or a starved CPU shows it there, not only as server latency), and a request a timer let go out
 * a little early is not timed as if it had left on time.
 */
let server: NodeProcess;
let slow: NodeProcess;
const ANSWER_MS = 2;

before(async () => {
  server = await spawnHelloServer();
  // Answers every request after ANSWER_MS of busy work: no round trip can be shorter.
  slow = await spawnScript('src/loadgen/testing/hello-server.ts', [], { env: { BUSY_MS: String(ANSWER_MS) } });
  await slow.waitReady('/', 30_000);
});

after(async () => {
  await server?.stop();
  await slow?.stop();
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

test('a request sent before its due time is timed from when it left: no latency is shorter than the answer takes', async (t) => {
  const latencies: number[] = [];
  const { recorder } = await runEngine({
    target: slow.url, stages: parseStages(['steady:2s:200']), arrival: 'constant', connections: 8, timeoutMs: 10_000,
    next: () => ({ type: 'get', method: 'GET', path: '/' }),
    onOutcome: (outcome) => latencies.push(outcome.latencyMs),
  });
  latencies.sort((a, b) => a - b);
  t.diagnostic(`${latencies.length} answers: fastest ${latencies.slice(0, 3).map((v) => v.toFixed(2)).join(', ')} ms; lateness p50 ${recorder.sendLateness.summary().p50} ms`);
  assert.equal(latencies.length, 400);
  // Timed from its due time, a request sent up to 1 ms before it (engine.ts, EARLY_MS) would show up to 1 ms less.
  assert.ok(latencies[0]! >= ANSWER_MS, `fastest answer ${latencies[0]!.toFixed(3)} ms: shorter than the server takes`);
});
