import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import assert from 'node:assert/strict';
import { dbTargets } from '../../testing/db-targets.js';
import { openDatabase } from '../db/open-database.js';
import { runMigrations } from '../db/migrations.js';
import { openShards } from './open-shards.js';
import { moveKey } from './move-key.js';
import { itemMigrations, type ItemTables } from './testing/shard-databases.js';

/**
 * Without <NAME>_SHARDS a map is one shard: the service's own Database. Code
 * written against a ShardMap must run unchanged there, embedded PGlite
 * included (one connection: a directory write runs inside the directory's own
 * transaction instead of waiting forever for a second connection).
 */
for (const target of await dbTargets()) {
  describe(`single shard on ${target.name}`, target.options, () => {
    // One database for the three strategies (PGlite takes seconds to start on a busy machine).
    let url: string | undefined;
    let home: Database;
    before(async () => {
      url = await target.create();
      home = await openDatabase({ url, dataDir: 'memory://', poolMax: 1 });
      await runMigrations(home, [itemMigrations]);
    });
    after(async () => {
      await home?.close();
      await target.drop(url);
    });
    for (const strategy of ['hash', 'range', 'directory'] as const) {
      test(`${strategy}: routes every key to the service's Database; writes, reads and scatter-gather work; the map does not close it`, { timeout: 60_000 }, async () => {
        await sql`truncate shardtest.items`.execute(home.as<Record<string, never>>());
        {
          const map = await openShards({ name: 'shardtest', home, env: { SHARDTEST_SHARD_STRATEGY: strategy }, migrations: itemMigrations });
          assert.deepEqual(map.shards.map((s) => [s.index, s.label]), [[0, 'default']]);
          assert.equal(map.strategy, strategy);
          const at = new Date(Date.UTC(2026, 0, 1));
          // Concurrent writes: on PGlite (and a pool of 1) a directory write that asked for a second connection would hang here.
          await Promise.all(
            ['a', 'b', 'c', 'd'].map((tenant) =>
              map.write<ItemTables, void>(tenant, async (trx) => {
                await trx.insertInto('shardtest.items').values({ id: `${tenant}/1`, tenant, seq: 1, created_at: at }).execute();
              }),
            ),
          );
          for (const tenant of ['a', 'b', 'c', 'd', 'never-written']) {
            assert.equal(await map.indexFor(tenant), 0);
            assert.equal(await map.shardFor(tenant), home);
          }
          const page = await map.scatterGather(
            (db, { limit }) => db.as<ItemTables>().selectFrom('shardtest.items').select('id').orderBy('id', 'desc').limit(limit ?? 100).execute(),
            { compare: (x, y) => (x.id < y.id ? 1 : -1), limit: 3, cursorOf: (r) => r.id },
          );
          assert.deepEqual(page, { rows: [{ id: 'd/1' }, { id: 'c/1' }, { id: 'b/1' }], next: 'b/1', fetched: [3] });
          if (strategy === 'directory') await assert.rejects(moveKey({ map, home, key: 'a', to: 1, tables: [{ table: 'shardtest.items', keyColumn: 'tenant', primaryKey: ['id'] }] }), /no shard 1/);
          await map.close();
          await home.ping();
        }
      });
    }
  });
}
