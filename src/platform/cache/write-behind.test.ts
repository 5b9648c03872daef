import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createLogger } from '../log/logger.js';
import { WriteBehindCounter } from './write-behind.js';

const logger = createLogger({ level: 'silent', pretty: false });

describe('WriteBehindCounter', () => {
  it('sums increments and writes them in one batch at close', async () => {
    const batches: Map<number, number>[] = [];
    const counter = new WriteBehindCounter({
      name: 't', flushEveryMs: 60_000, registry: new Registry(), logger,
      flush: async (b) => { batches.push(new Map(b)); },
    });
    for (let i = 0; i < 100; i++) counter.increment(i % 3);
    await counter.close();
    assert.equal(batches.length, 1);
    assert.deepEqual([...batches[0]!.entries()].sort(), [[0, 34], [1, 33], [2, 33]]);
  });

  it('keeps a failed batch and writes it with the next flush', async () => {
    let fail = true;
    const written = new Map<number, number>();
    const counter = new WriteBehindCounter({
      name: 't', flushEveryMs: 60_000, registry: new Registry(), logger,
      flush: async (b) => {
        if (fail) throw new Error('database down');
        for (const [k, v] of b) written.set(k, (written.get(k) ?? 0) + v);
      },
    });
    counter.increment(7, 5);
    await counter.flush();
    assert.equal(written.size, 0);
    counter.increment(7, 2);
    fail = false;
    await counter.close();
    assert.equal(written.get(7), 7);
  });

  it('writes an interval in batches of at most batchKeys keys, every increment once', async () => {
    const batches: Map<number, number>[] = [];
    const counter = new WriteBehindCounter({
      name: 't', flushEveryMs: 60_000, batchKeys: 200, registry: new Registry(), logger,
      flush: async (b) => { batches.push(new Map(b)); },
    });
    for (let i = 0; i < 1_050; i++) counter.increment(i, 1 + (i % 3));
    await counter.flush();
    assert.deepEqual(batches.map((b) => b.size), [200, 200, 200, 200, 200, 50]);
    const written = new Map(batches.flatMap((b) => [...b]));
    assert.equal(written.size, 1_050);
    for (let i = 0; i < 1_050; i++) assert.equal(written.get(i), 1 + (i % 3));
    await counter.close();
  });

  it('writes keys in ascending order across batches, whatever order they were counted in (instances lock rows in one order)', async () => {
    const batches: number[][] = [];
    const counter = new WriteBehindCounter({
      name: 't', flushEveryMs: 60_000, batchKeys: 3, registry: new Registry(), logger,
      flush: async (b) => { batches.push([...b.keys()]); },
    });
    for (const id of [9, 2, 7, 1, 8, 3, 5]) counter.increment(id);
    await counter.close();
    assert.deepEqual(batches, [[1, 2, 3], [5, 7, 8], [9]]);
  });

  it('lets the event loop run between batches, even when each batch resolves at once', async () => {
    const order: string[] = [];
    const counter = new WriteBehindCounter({
      name: 't', flushEveryMs: 60_000, batchKeys: 1, registry: new Registry(), logger,
      flush: async (b) => { order.push(`batch ${[...b.keys()].join()}`); },
    });
    for (const id of [1, 2, 3]) counter.increment(id);
    // Stands for a request read from a socket while the flush runs: it must not wait for every batch.
    setImmediate(() => order.push('request'));
    await counter.flush();
    assert.deepEqual(order, ['batch 1', 'request', 'batch 2', 'batch 3']);
    await counter.close();
  });

  it('a failed batch keeps its increments and those after it, and the batches before it are not written again', async () => {
    const written = new Map<number, number>();
    let calls = 0;
    let failOnCall = 2;
    const counter = new WriteBehindCounter({
      name: 't', flushEveryMs: 60_000, batchKeys: 10, registry: new Registry(), logger,
      flush: async (b) => {
        if (++calls === failOnCall) throw new Error('database down');
        for (const [k, v] of b) written.set(k, (written.get(k) ?? 0) + v);
      },
    });
    for (let i = 0; i < 30; i++) counter.increment(i);
    await counter.flush();
    assert.equal(written.size, 10, 'the first batch was written before the second failed');
    assert.equal(counter.buffered, 20, 'the failed batch and the one after it wait for the next flush');
    counter.increment(25);
    failOnCall = 0;
    await counter.close();
    assert.equal(written.size, 30);
    for (let i = 0; i < 30; i++) assert.equal(written.get(i), i === 25 ? 2 : 1, `key ${i}`);
  });

  it('close() resolves only after every flush, including one started by a concurrent caller, has written', async () => {
    // The database is closed right after close() resolves: a flush still running then loses its views.
    let running = 0;
    let writes = 0;
    const written = new Map<number, number>();
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => { releaseFirst = resolve; });
    const counter = new WriteBehindCounter({
      name: 't', flushEveryMs: 60_000, registry: new Registry(), logger,
      flush: async (b) => {
        running++;
        const nth = ++writes;
        if (nth === 1) await firstHeld;
        else await new Promise((resolve) => setTimeout(resolve, 20));
        for (const [k, v] of b) written.set(k, (written.get(k) ?? 0) + v);
        running--;
      },
    });
    counter.increment(1);
    const first = counter.flush(); // the interval's flush, held in the database
    counter.increment(2);
    const second = counter.flush(); // another interval tick, waiting for the first
    const closed = counter.close();
    releaseFirst();
    await closed;
    assert.equal(running, 0, 'no flush may still be writing when close() resolves');
    assert.deepEqual([...written.entries()].sort(), [[1, 1], [2, 1]]);
    await Promise.all([first, second]);
  });
});
