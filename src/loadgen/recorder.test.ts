import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Latency } from './histogram.js';
import { IN_FLIGHT_AT_END, NOT_SENT, Recorder } from './recorder.js';

test('every recorded request is completed or timed out, and both are in the latency and error counts', () => {
  const recorder = new Recorder();
  recorder.record({ type: 'get', latencyMs: 2, error: null });
  recorder.record({ type: 'get', latencyMs: 3, error: 'HTTP 503' });
  recorder.record({ type: 'get', latencyMs: 10_000, error: 'UND_ERR_HEADERS_TIMEOUT' });
  recorder.record({ type: 'post', latencyMs: 900, error: NOT_SENT });
  recorder.record({ type: 'post', latencyMs: 1500, error: IN_FLIGHT_AT_END });
  const interval = recorder.rotate(1000, 5, 0, 0);
  assert.deepEqual([interval.completed, interval.timedOut, interval.errors], [2, 3, 4]);
  assert.deepEqual([recorder.completed, recorder.timedOut, recorder.errors], [2, 3, 4]);
  assert.equal(recorder.overallSummary().count, 5, 'timeouts are latency samples too');
  assert.equal(recorder.overallSummary().max, 10_000);
  const types = recorder.typeTotals();
  assert.deepEqual([types['get']!.completed, types['get']!.timedOut], [2, 1]);
  assert.deepEqual([types['post']!.completed, types['post']!.timedOut, types['post']!.latency.count], [0, 2, 2], 'a type with only timeouts is still reported');
});

test('the mean is the recorded values\' own mean, not their buckets\', and follows add and reset', () => {
  const latency = new Latency(3);
  latency.recordMs(0.001);
  latency.recordMs(5000.003);
  // At 5 s a 3-digit bucket is ~4 ms wide: a mean of bucket midpoints would be off by about 1 ms here.
  assert.equal(latency.summary().mean, 2500.002);
  const other = new Latency(3);
  other.recordMs(2.996);
  latency.add(other);
  assert.equal(latency.summary().mean, 1667.667);
  latency.reset();
  assert.ok(Number.isNaN(latency.summary().mean));
  latency.recordMs(4);
  assert.equal(latency.summary().mean, 4, 'reset forgets the sum too');
});

test('every sent request records how late it went out, beside the latencies', () => {
  const recorder = new Recorder();
  recorder.markSent(0.5);
  recorder.markSent(12);
  assert.equal(recorder.sent, 2);
  assert.deepEqual([recorder.sendLateness.summary().count, recorder.sendLateness.summary().max], [2, 12]);
  assert.equal(recorder.overallSummary().count, 0, 'lateness is not a latency sample of its own');
});
