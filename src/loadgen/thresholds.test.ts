import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkThresholds, parseThreshold, ThresholdError, type MeasuredTotals } from './thresholds.js';

const totals = (p99: number, errors: number, requests = 1000, rate = 100): MeasuredTotals => ({
  latency: { count: requests, mean: p99 / 2, p50: p99 / 4, p90: p99 / 2, p95: p99 / 1.5, p99, p999: p99 * 2, max: p99 * 3 },
  requests,
  errors,
  rate,
});

test('thresholds parse units into ms, % and req/s', () => {
  assert.deepEqual(parseThreshold('p99<200ms'), { text: 'p99<200ms', metric: 'p99', type: null, op: '<', value: 200, percent: false });
  assert.equal(parseThreshold('p99.9 <= 1.5s').value, 1500);
  assert.equal(parseThreshold('p50<500us').value, 0.5);
  assert.deepEqual(parseThreshold('errors<1%'), { text: 'errors<1%', metric: 'errors', type: null, op: '<', value: 1, percent: true });
  assert.equal(parseThreshold('rps>=1900').metric, 'rate');
  assert.equal(parseThreshold('p99{feed}<300ms').type, 'feed');
  assert.throws(() => parseThreshold('p99<1%'), ThresholdError);
  assert.throws(() => parseThreshold('latency is fine'), /bad threshold "latency is fine"/);
});

test('each threshold reports whether it held and the measured value', () => {
  const results = checkThresholds(
    ['p99<200ms', 'errors<1%', 'errors<=20', 'rate>=90', 'p99{feed}<100ms', 'p99{nope}<1s'].map(parseThreshold),
    totals(150, 20),
    { feed: totals(120, 0) },
  );
  assert.deepEqual(
    results.map((r) => [r.text, r.ok, r.actual]),
    [
      ['p99<200ms', true, '150.00ms'],
      ['errors<1%', false, '2.00% (20/1000)'],
      ['errors<=20', true, '20 errors'],
      ['rate>=90', true, '100.0 req/s'],
      ['p99{feed}<100ms', false, '120.00ms'],
      ['p99{nope}<1s', false, 'no requests of type "nope"'],
    ],
  );
});
