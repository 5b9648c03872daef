import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { pino } from 'pino';
import { sql } from 'kysely';
import { dbTargets, withMigratedDatabase } from '../../../testing/db-targets.js';
import { openDatabase } from '../../../platform/db/open-database.js';
import { WriteBehindCounter } from '../../../platform/cache/write-behind.js';
import { linksMigrations } from '../migrations.js';
import { LinksStore } from './links.store.js';

const LINKS = 2_000;
const ROUNDS = 5;
const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;

// Postgres only: PGlite has one connection, so two flushes never hold rows at once.
test('click counters (postgres): two instances flushing the same links at once, one counting them in the opposite order, never deadlock, and every click is added once', { ...postgres.options, timeout: 120_000 }, async () => {
  await withMigratedDatabase(postgres, [linksMigrations], async (first, url) => {
    await sql`insert into links.links (code, owner_id, url) select 'c' || i, 1, 'https://example.com/' || i from generate_series(1, ${LINKS}) i`.execute(first.as());
    const second = await openDatabase({ url, dataDir: 'memory://', poolMax: 2 });
    const failures: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({
      write(chunk: Buffer, _encoding, done) {
        failures.push(String((JSON.parse(chunk.toString()) as { err?: { message?: string } }).err?.message));
        done();
      },
    }));
    // One statement per flush (batchKeys = every link): the two flushes' locks overlap the most. In the default batches of
    // 50 keys (WRITE_BEHIND_BATCH_KEYS) unsorted orders cross as well, less often.
    const counterOf = (database: typeof first) =>
      new WriteBehindCounter({ name: 'link_clicks', flushEveryMs: 3_600_000, batchKeys: LINKS, flush: (b) => new LinksStore(database).addClicks(b), registry: new Registry(), logger });
    const [a, b] = [counterOf(first), counterOf(second)];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        for (let id = 1; id <= LINKS; id++) a.increment(id);
        for (let id = LINKS; id >= 1; id--) b.increment(id);
        await Promise.all([a.flush(), b.flush()]);
      }
      await Promise.all([a.close(), b.close()]);
      assert.deepEqual(failures, [], 'no flush failed (a deadlock is one, retried at the next flush)');
      const { rows } = await sql<{ min: number; max: number }>`select min(clicks)::int as min, max(clicks)::int as max from links.links`.execute(first.as());
      assert.deepEqual(rows[0], { min: 2 * ROUNDS, max: 2 * ROUNDS }, 'every link has both instances\' clicks of every round');
    } finally {
      await second.close();
    }
  });
});
