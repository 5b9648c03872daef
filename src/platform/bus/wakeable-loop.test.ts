import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WakeableLoop } from './wakeable-loop.js';
import { countStatementInScope, currentStatementScope, withStatementScope, type StatementScope } from '../db/statement-scope.js';

test("a run woken by a request runs outside the request's statement scope: its statements are not the request's, nor its routing", async () => {
  const runs: Array<StatementScope | undefined> = [];
  let ran!: () => void;
  let next = new Promise<void>((resolve) => (ran = resolve));
  const loop = new WakeableLoop(async () => {
    runs.push(currentStatementScope());
    countStatementInScope(); // what the relay's SQL does, statement by statement
    ran();
  }, () => 60_000);
  loop.start();
  await next;
  next = new Promise<void>((resolve) => (ran = resolve));
  // A request's write wakes the loop (the outbox after a commit), inside the request's scope.
  const request: StatementScope = { count: 0, replicaReads: true, userId: 7 };
  withStatementScope(request, () => loop.wake());
  await next;
  await loop.stop();
  assert.equal(runs.length, 2);
  assert.equal(runs[1], undefined, 'the run saw the waking request as its unit of work');
  assert.equal(request.count, 0, "the run's statements were counted against the request");
});
