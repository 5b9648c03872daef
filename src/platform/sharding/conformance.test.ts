import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openDatabase } from '../db/open-database.js';
import type { Database } from '../db/database.js';
import { openShards } from './open-shards.js';
import type { ShardMap, StrategyKind } from './shard-map.js';
import { createShardDatabases, itemMigrations, postgresOptions, type ItemTables } from './testing/shard-databases.js';

/**
 * The contract every strategy keeps, on 3 real databases (sharding_<random>_1..3
 * on the local Postgres): a key's rows live on exactly the shard routing names,
 * routing is the same from an independently opened map, keys spread, and
 * scatter-gather returns exactly the single-database answer, in order, page by page.
 */

const TENANTS = 300;
const ITEMS_PER_TENANT = 5;
const BASE = Date.UTC(2026, 0, 1);
const tenant = (i: number) => `t-${String(i).padStart(3, '0')}`;
type Item = ItemTables['shardtest.items'];

/** Every item, in the order the scatter-gather must reproduce (newest first, id breaking ties: some share a timestamp). */
const ITEMS: Item[] = Array.from({ length: TENANTS }, (_, t) =>
  Array.from({ length: ITEMS_PER_TENANT }, (_, s) => ({ id: `${tenant(t)}/${s}`, tenant: tenant(t), seq: s, created_at: new Date(BASE + ((t * 7 + s * 13) % 400) * 1000) })),
).flat();
const newestFirst = (a: Item, b: Item) => b.created_at.getTime() - a.created_at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

let dbs: Awaited<ReturnType<typeof createShardDatabases>> | undefined;
let home: Database | undefined;
const envFor = (strategy: StrategyKind) => ({
  SHARDTEST_SHARDS: dbs!.urls.join(','),
  SHARDTEST_SHARD_STRATEGY: strategy,
  SHARDTEST_SHARD_RANGES: 't-100,t-200',
  SHARDTEST_SHARD_POOL_MAX: '4',
});

describe('sharding conformance on 3 Postgres databases', postgresOptions, () => {
  before(async () => {
    dbs = await createShardDatabases(3);
    // The directory's home: the service's own Database (here on the first shard's database, in its own pool).
    home = await openDatabase({ url: dbs.urls[0], dataDir: 'memory://', poolMax: 4 });
  });
  after(async () => {
    await home?.close();
    await dbs?.drop();
  });

  for (const strategy of ['hash', 'range', 'directory'] as const) {
    describe(strategy, () => {
      let map: ShardMap;
      before(async () => {
        map = await openShards({ name: 'shardtest', home: home!, env: envFor(strategy), migrations: itemMigrations });
        // Write through the map, a tenant per write (each a transaction on its shard).
        for (let t = 0; t < TENANTS; t += 30) {
          await Promise.all(
            Array.from({ length: 30 }, (_, i) => {
              const rows = ITEMS.filter((r) => r.tenant === tenant(t + i));
              return map.write<ItemTables, void>(tenant(t + i), async (trx) => {
                await trx.insertInto('shardtest.items').values(rows).execute();
              });
            }),
          );
        }
      });
      after(async () => {
        for (const db of map.all()) await sql`truncate shardtest.items, shardtest.counters`.execute(db.as<ItemTables>());
        await sql`delete from platform.shard_directory where map = 'shardtest'`.execute(home!.as<ItemTables>()).catch(() => {});
        await map.close();
      });

      test(`${strategy}: each tenant's rows are on the shard routing names and on no other, for a map opened independently too`, async () => {
        const where = new Map<string, number[]>();
        for (const shard of map.shards) {
          const rows = await shard.db.as<ItemTables>().selectFrom('shardtest.items').select('tenant').select((eb) => eb.fn.countAll<number>().as('n')).groupBy('tenant').execute();
          for (const r of rows) {
            assert.equal(Number(r.n), ITEMS_PER_TENANT, `${r.tenant} has all its rows on shard ${shard.index}`);
            where.set(r.tenant, [...(where.get(r.tenant) ?? []), shard.index]);
          }
        }
        assert.equal(where.size, TENANTS);
        const other = await openShards({ name: 'shardtest', home: home!, env: envFor(strategy) });
        try {
          for (let t = 0; t < TENANTS; t++) {
            const key = tenant(t);
            const index = await map.indexFor(key);
            assert.deepEqual(where.get(key), [index], `${key} stored only on shard ${index}`);
            assert.equal(await other.indexFor(key), index, `${key}: the same shard from another map`);
            assert.equal(await map.shardFor(key), map.shards[index]!.db);
          }
        } finally {
          await other.close();
        }
      });

      test(`${strategy}: tenants spread over the 3 shards`, async () => {
        const counts = [0, 0, 0];
        for (let t = 0; t < TENANTS; t++) counts[await map.indexFor(tenant(t))]!++;
        // Range bounds t-100,t-200 split exactly; hash (and the directory's first placement, which is hash) within ±25% of even.
        if (strategy === 'range') assert.deepEqual(counts, [100, 100, 100]);
        else for (const c of counts) assert.ok(c > 75 && c < 125, `per shard: ${counts.join(', ')}`);
      });

      test(`${strategy}: scatter-gather pages through every row in the global order, each row once, fetching at most the limit per shard`, async () => {
        type Cursor = { at: Date; id: string };
        const seen: Item[] = [];
        let cursor: Cursor | undefined;
        let pages = 0;
        do {
          const page = await map.scatterGather<Item, Cursor>(
            (db, { limit, after: c }) => {
              let q = db.as<ItemTables>().selectFrom('shardtest.items').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
              if (c) q = q.where((eb) => eb.or([eb('created_at', '<', c.at), eb.and([eb('created_at', '=', c.at), eb('id', '<', c.id)])]));
              return (limit === undefined ? q : q.limit(limit)).execute();
            },
            { compare: newestFirst, limit: 64, after: cursor, cursorOf: (r) => ({ at: r.created_at, id: r.id }) },
          );
          for (const n of page.fetched) assert.ok(n <= 64, `a shard returned ${n} rows for a limit of 64`);
          seen.push(...page.rows);
          cursor = page.next;
          pages++;
        } while (cursor && pages < 100);
        assert.equal(pages, Math.ceil(ITEMS.length / 64));
        assert.deepEqual(
          seen.map((r) => r.id),
          [...ITEMS].sort(newestFirst).map((r) => r.id),
        );
      });

      if (strategy === 'range') {
        test('range: a span query asks only the shards the span overlaps, and gets the same answer', async () => {
          const asked: number[] = [];
          const result = await map.scatterGather(
            async (db, { shard }) => {
              asked.push(shard.index);
              return db.as<ItemTables>().selectFrom('shardtest.items').select('id').where('tenant', '>=', 't-120').where('tenant', '<=', 't-180').orderBy('id').execute();
            },
            { compare: (a, b) => (a.id < b.id ? -1 : 1), shards: map.shardsForSpan('t-120', 't-180') },
          );
          assert.deepEqual(asked, [1]);
          assert.deepEqual(map.shardsForSpan(undefined, undefined), [0, 1, 2]);
          assert.equal(result.rows.length, 61 * ITEMS_PER_TENANT);
        });
      }
    });
  }
});
