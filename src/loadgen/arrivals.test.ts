import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arrivals } from './arrivals.js';
import { expectedRequests, parseStages, rateAt } from './stages.js';

function all(it: { next(): number | null }): number[] {
  const out: number[] = [];
  for (let t = it.next(); t !== null; t = it.next()) out.push(t);
  return out;
}

test('constant arrivals at 100 req/s for 1 s are 100 sends 10 ms apart', () => {
  const times = all(arrivals(parseStages(['steady:1s:100']), 'constant'));
  assert.equal(times.length, 100);
  assert.equal(times[0], 0);
  assert.ok(Math.abs(times[1]! - 10) < 1e-9);
  assert.ok(Math.abs(times[99]! - 990) < 1e-6);
});

test('a ramp from 0 follows the integral of the rate, not 1/rate at its first instant', () => {
  const stages = parseStages(['ramp:10s:0-1000', 'steady:5s:1000']);
  const times = all(arrivals(stages, 'constant'));
  assert.ok(Math.abs(times.length - expectedRequests(stages)) <= 1, `${times.length} vs ${expectedRequests(stages)}`);
  // Half the ramp's requests (2,500 of 5,000) arrive in its last ~29% (area grows with t²).
  const firstHalfOfRamp = times.filter((t) => t < 5000).length;
  assert.ok(Math.abs(firstHalfOfRamp - 1250) <= 1, String(firstHalfOfRamp));
  assert.equal(rateAt(stages, 12_000), 1000);
});

test('poisson arrivals average the target rate with exponential gaps', () => {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const times = all(arrivals(parseStages(['steady:20s:500']), 'poisson', random));
  assert.ok(Math.abs(times.length - 10_000) < 300, String(times.length));
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  const cv = Math.sqrt(gaps.reduce((s, g) => s + (g - 2) ** 2, 0) / gaps.length) / 2;
  assert.ok(cv > 0.9 && cv < 1.1, `coefficient of variation ${cv} (exponential: 1)`);
});
