// @isolated: starts its own servers and bounds how long a run takes to stop.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { spawnScript, type NodeProcess } from '../testing/cli-process.js';
import { runLoad } from './run.js';
import { parseStages } from './stages.js';
import { parseThreshold } from './thresholds.js';
import { IN_FLIGHT_AT_END, NOT_SENT } from './recorder.js';

/**
 * The end of a run hides nothing: a request that was due but never sent, or
 * still on the wire when the run stops, counts as a timeout from its due time,
 * in the latency percentiles, the error count and the thresholds. The server
 * hangs for the last second of a 4 s run at 500 req/s (its clock starts at
 * the run's connection warm-up); with 10 connections almost all of that
 * second's 500 requests can never be sent. Before this was fixed, that run
 * reported p99 of a few ms and both thresholds held.
 */
const servers: NodeProcess[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function stallServer(stallMs: number, periodMs: number): Promise<NodeProcess> {
  const server = await spawnScript('src/loadgen/testing/stall-server.ts', [], {
    env: { RESPONSE_MS: '2', STALL_MS: String(stallMs), PERIOD_MS: String(periodMs), CLOCK: 'first-request' },
  });
  servers.push(server);
  await server.waitReady('/readyz', 30_000);
  return server;
}

const run = (url: string, graceMs: number, timeoutMs: number) =>
  runLoad({
    scenario: 'get',
    target: url,
    stages: parseStages(['steady:4s:500']),
    arrival: 'constant',
    connections: 10,
    timeoutMs,
    graceMs,
    thresholds: ['p99<100ms', 'errors<1%'].map(parseThreshold),
    seedFile: '',
    path: '/',
    randomSeed: 1,
    live: null,
  });

test('a server that hangs for the last 1 s of a 4 s run at 500/s breaks p99<100ms: every due request counts', async (t) => {
  // The hang starts 3 s after the warm-up (a few ms before the run's clock) and outlasts the run by up to 0.5 s.
  const server = await stallServer(1500, 4500);
  const report = await run(server.url, 2000, 10_000);
  const s = report.summary;
  t.diagnostic(
    `due ${s.due}, sent ${s.sent}, completed ${s.completed}, timed out ${s.timedOut}; p50 ${s.latency.p50} ms, p99 ${s.latency.p99} ms; ${report.thresholds.map((r) => `${r.text} ${r.ok ? 'held' : 'broken'} (${r.actual})`).join(', ')}`,
  );
  const [p99, errors] = report.thresholds;
  assert.equal(p99!.ok, false, `p99<100ms held with ${p99!.actual}: the stall is hidden`);
  assert.ok(s.latency.p99 >= 500, `p99 ${s.latency.p99} ms should show the 1 s stall`);
  assert.equal(errors!.ok, false, `errors<1% held with ${errors!.actual}: unsent requests are not counted`);
  // 500/s for 4 s is 2,000 due; each is either answered or timed out, and latency has one sample per due request.
  assert.equal(s.due, 2000);
  assert.equal(s.completed + s.timedOut, s.due);
  assert.equal(s.latency.count, s.due);
  assert.equal(s.sent + (report.errorReasons[NOT_SENT] ?? 0), s.due);
  // About one second's worth (500, minus the few sent on the 10 connections before they hung) was never sent.
  assert.ok((report.errorReasons[NOT_SENT] ?? 0) >= 400, `${report.errorReasons[NOT_SENT]} counted as never sent`);
});

test('a server that never answers again: the run stops after the grace period and counts what was in flight', async (t) => {
  // Hangs from 3 s to 63 s: requests in flight at the end would wait for the 30 s timeout without the grace period.
  const server = await stallServer(60_000, 63_000);
  const started = performance.now();
  const report = await run(server.url, 1000, 30_000);
  const seconds = (performance.now() - started) / 1000;
  const s = report.summary;
  t.diagnostic(`stopped after ${seconds.toFixed(1)} s; due ${s.due}, sent ${s.sent}, completed ${s.completed}, timed out ${s.timedOut}; reasons ${JSON.stringify(report.errorReasons)}`);
  // 4 s of profile + 1 s of grace; the 3 s on top absorb a busy machine (functional bound, not a speed goal).
  assert.ok(seconds < 8, `the run took ${seconds.toFixed(1)} s to stop (profile 4 s, grace 1 s)`);
  assert.equal(report.errorReasons[IN_FLIGHT_AT_END], 10, 'the 10 requests stuck on the 10 connections count as timed out');
  assert.equal(s.completed + s.timedOut, s.due);
  assert.equal(s.due, 2000);
  assert.ok(s.latency.max >= 1900, `max ${s.latency.max} ms: a request stuck from ~3 s until the abort at ~5 s waited about 2 s`);
});

test('a request due just before the end with a free connection is sent, not counted as never sent', async (t) => {
  // The end-of-profile timer can fire before the timer of a request due a fraction of a millisecond earlier;
  // that request has a free connection and must go out. Three 5 s runs at 2,000/s on a healthy server, with
  // far more connections than requests in flight (256: every one busy would take ~130 ms answers throughout),
  // so a busy shared machine does not make a real backlog at the end.
  const server = await spawnScript('src/loadgen/testing/hello-server.ts', []);
  servers.push(server);
  await server.waitReady('/', 30_000);
  for (let i = 0; i < 3; i++) {
    const report = await runLoad({
      scenario: 'get', target: server.url, stages: parseStages(['steady:5s:2000']), arrival: 'constant', connections: 256, timeoutMs: 10_000,
      thresholds: [], seedFile: '', path: '/', randomSeed: 1, live: null,
    });
    const s = report.summary;
    t.diagnostic(`run ${i + 1}: due ${s.due}, sent ${s.sent}, timed out ${s.timedOut}`);
    assert.equal(s.timedOut, 0, `run ${i + 1}: ${JSON.stringify(report.errorReasons)}`);
    assert.equal(s.sent, s.due);
  }
});
