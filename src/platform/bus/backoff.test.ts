import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from './backoff.js';

test('backoff grows exponentially to its cap, with full jitter and a floor', () => {
  const policy = { baseMs: 100, maxMs: 1000, minMs: 10 };
  assert.equal(backoffDelay(1, policy, () => 1), 100);
  assert.equal(backoffDelay(3, policy, () => 1), 400);
  assert.equal(backoffDelay(10, policy, () => 1), 1000, 'capped');
  assert.equal(backoffDelay(3, policy, () => 0), 10, 'never below the floor');
  assert.equal(backoffDelay(3, policy, () => 0.5), 200, 'uniform in [0, ceiling]');
});
