import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectedRequests, parseDuration, parseStages, StageError, totalDurationMs } from './stages.js';

test('durations accept ms, s, m, h and bare seconds', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('20s'), 20_000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('3'), 3000);
  assert.throws(() => parseDuration('fast'), StageError);
});

test('stages: ramp from the previous rate, steady, spike, soak', () => {
  const stages = parseStages(['ramp:10s:0-500', 'steady:60s:500', 'spike:5s:2000', 'ramp:5s:500', 'soak:10m:300']);
  assert.deepEqual(stages[0], { kind: 'ramp', durationMs: 10_000, fromRate: 0, toRate: 500 });
  assert.deepEqual(stages[2], { kind: 'spike', durationMs: 5000, fromRate: 2000, toRate: 2000 });
  assert.deepEqual(stages[3], { kind: 'ramp', durationMs: 5000, fromRate: 2000, toRate: 500 });
  assert.equal(totalDurationMs(stages), 680_000);
  assert.equal(expectedRequests(stages.slice(0, 2)), 2500 + 30_000);
});

test('bad stages say what is wrong', () => {
  assert.throws(() => parseStages(['warp:10s:5']), /bad stage kind "warp"/);
  assert.throws(() => parseStages(['steady:10s']), /bad stage "steady:10s"/);
  assert.throws(() => parseStages(['steady:0s:5']), /no duration/);
  assert.throws(() => parseStages(['steady:1s:-5']), /bad rate/);
});
