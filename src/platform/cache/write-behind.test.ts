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
