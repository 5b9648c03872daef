import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BrokenCircuitError } from 'cockatiel';
import { RetryBudget } from './retry-budget.js';
import { Breaker } from './breaker.js';

describe('retry budget', () => {
  it('allows retries up to ratio x requests (+ the per-second floor), then refuses', () => {
    let t = 0;
    const budget = new RetryBudget(0.2, 0, 100, () => t);
    for (let i = 0; i < 100; i++) budget.deposit();
    let allowed = 0;
    while (budget.tryWithdraw()) allowed++;
    assert.equal(allowed, 20);
    t += 10_000; // no floor: time alone gives nothing
    assert.equal(budget.tryWithdraw(), false);
    const floor = new RetryBudget(0.2, 10, 100, () => t);
    t += 1000;
    let fromFloor = 0;
    while (floor.tryWithdraw()) fromFloor++;
    assert.equal(fromFloor, 20, 'initial 10 plus 10 refilled in a second');
  });
});

describe('breaker', () => {
  it('opens after consecutive failures, refuses calls, offers one trial after halfOpenAfter, closes on success', async () => {
    let t = 0;
    const breaker = new Breaker({ failures: 3, halfOpenAfterMs: 1000 }, () => t);
    const fail = () => breaker.execute(async () => { throw new Error('down'); });
    for (let i = 0; i < 3; i++) await assert.rejects(fail(), /down/);
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.acceptsCalls, false);
    await assert.rejects(breaker.execute(async () => 1), BrokenCircuitError);
    t += 1000;
    assert.equal(breaker.acceptsCalls, true, 'due for a trial');
    // cockatiel's own clock is real time: wait out its halfOpenAfter too.
    await new Promise((r) => setTimeout(r, 1010));
    assert.equal(await breaker.execute(async () => 'ok'), 'ok');
    assert.equal(breaker.state, 'closed');
    assert.deepEqual([breaker.opens, breaker.closes], [1, 1]);
  });
});
