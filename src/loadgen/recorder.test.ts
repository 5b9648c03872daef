import assert from 'node:assert/strict';
import { test } from 'node:test';
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
