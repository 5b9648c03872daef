import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchedLookup } from './batched-lookup.js';
import { countStatementInScope, currentStatementScope, withStatementScope, type StatementScope } from './statement-scope.js';

/** A lookup whose batches are recorded and, while `hold` is set, kept reading until released. */
function recorded() {
  const batches: string[][] = [];
  const releases: (() => void)[] = [];
  let hold = false;
  const lookup = batchedLookup<string, string>(async (keys) => {
    batches.push([...keys]);
    if (hold) await new Promise<void>((resolve) => releases.push(resolve));
    if (keys.includes('boom')) throw new Error('statement failed');
    return new Map(keys.filter((k) => !k.startsWith('unknown')).map((k) => [k, `row:${k}`]));
  }, { maxBatch: 4 });
  return { lookup, batches, releases, holdOn: () => (hold = true), holdOff: () => (hold = false) };
}

describe('batchedLookup', () => {
  it('lookups asked in the same tick share one batch, each key in it once, and each lookup gets its own row or undefined', async () => {
    const { lookup, batches } = recorded();
    const found = await Promise.all(['a', 'unknown-1', 'a', 'b'].map((k) => lookup.load(k)));
    assert.deepEqual(found, ['row:a', undefined, 'row:a', 'row:b']);
    assert.deepEqual(batches, [['a', 'unknown-1', 'b']]);
  });

  it("lookups asked by different callbacks of one event-loop turn (requests read together) share one batch", async () => {
    const { lookup, batches } = recorded();
    const asked = await new Promise<Promise<string | undefined>[]>((resolve) => {
      const loads: Promise<string | undefined>[] = [];
      // Two callbacks of the same turn, as two sockets' reads are: each asks in its own tick.
      setImmediate(() => loads.push(lookup.load('a')));
      setImmediate(() => {
        loads.push(lookup.load('b'));
        resolve(loads);
      });
    });
    assert.deepEqual(await Promise.all(asked), ['row:a', 'row:b']);
    assert.deepEqual(batches, [['a', 'b']]);
  });

  it('lookups asked while a batch is reading wait for it and go out together in the next one, never joining the running one', async () => {
    const { lookup, batches, releases, holdOn, holdOff } = recorded();
    holdOn();
    const first = lookup.load('a');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(batches, [['a']], 'the first lookup went out at once');
    // Asked in three different turns of the event loop while 'a' is being read.
    const later: Promise<string | undefined>[] = [];
    for (const key of ['b', 'c', 'd']) {
      later.push(lookup.load(key));
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(batches, [['a']], 'nothing joined or started beside the running batch');
    holdOff();
    releases.shift()!();
    assert.deepEqual(await Promise.all([first, ...later]), ['row:a', 'row:b', 'row:c', 'row:d']);
    assert.deepEqual(batches, [['a'], ['b', 'c', 'd']]);
  });

  it('a batch never holds more than maxBatch keys', async () => {
    const { lookup, batches } = recorded();
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
    assert.deepEqual(await Promise.all(keys.map((k) => lookup.load(k))), keys.map((k) => `row:${k}`));
    assert.deepEqual(batches.map((b) => b.length), [4, 4, 2]);
  });

  it('a failed batch rejects its own lookups only, and the next batch still goes out', async () => {
    const { lookup, batches } = recorded();
    const failed = await Promise.allSettled(['x', 'boom'].map((k) => lookup.load(k)));
    assert.deepEqual(failed.map((r) => r.status), ['rejected', 'rejected']);
    assert.match(String((failed[0] as PromiseRejectedResult).reason), /statement failed/);
    assert.equal(await lookup.load('y'), 'row:y');
    assert.deepEqual(batches, [['x', 'boom'], ['y']]);
  });

  it("a batch runs in its askers' joint scope: replica reads only if all may, at the latest write position of theirs, and each asker counts its statement", async () => {
    const seen: (StatementScope | undefined)[] = [];
    const lookup = batchedLookup<string, string>(async (keys) => {
      seen.push(currentStatementScope());
      countStatementInScope();
      return new Map(keys.map((k) => [k, k]));
    });
    const reader = { count: 0, replicaReads: true, minLsn: 10n };
    const writer = { count: 0, replicaReads: true, minLsn: 99n };
    const anonymous = { count: 0, replicaReads: true, minLsn: null };
    // Three requests read in one turn: each asks from its own scope.
    await Promise.all([withStatementScope(reader, () => lookup.load('a')), withStatementScope(writer, () => lookup.load('b')), withStatementScope(anonymous, () => lookup.load('c'))]);
    assert.equal(seen.length, 1);
    assert.deepEqual({ replicaReads: seen[0]?.replicaReads, minLsn: seen[0]?.minLsn }, { replicaReads: true, minLsn: 99n });
    assert.deepEqual([reader.count, writer.count, anonymous.count], [1, 1, 1]);

    // Background work (no scope) in the batch: every read of it goes to the primary.
    await Promise.all([withStatementScope(reader, () => lookup.load('d')), lookup.load('e')]);
    assert.equal(seen.length, 2);
    assert.equal(seen[1]?.replicaReads, false);
  });
});
