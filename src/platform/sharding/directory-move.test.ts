import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../db/open-database.js';
import type { Database } from '../db/database.js';
import { cliEntry, spawnScript } from '../../testing/cli-process.js';
import { openShards } from './open-shards.js';
import { moveKey, MoveVerifyError, type MovableTable } from './move-key.js';
import type { ShardMap } from './shard-map.js';
import type { DirectoryTables } from './directory-table.js';
import { createShardDatabases, itemMigrations, postgresOptions, type ItemTables } from './testing/shard-databases.js';

const TABLES: MovableTable[] = [
  { table: 'shardtest.items', keyColumn: 'tenant', primaryKey: ['id'] },
  { table: 'shardtest.counters', keyColumn: 'tenant', primaryKey: ['tenant'] },
];
const T0 = new Date(Date.UTC(2026, 0, 1));

let dbs: Awaited<ReturnType<typeof createShardDatabases>> | undefined;
let home: Database | undefined;
let map: ShardMap;
const env = () => ({ SHARDTEST_SHARDS: dbs!.urls.join(','), SHARDTEST_SHARD_STRATEGY: 'directory', SHARDTEST_SHARD_POOL_MAX: '8' });

/** A tenant's item ids on each shard, and its counter there. */
async function census(tenant: string): Promise<{ ids: string[][]; counters: (number | undefined)[] }> {
  const ids: string[][] = [];
  const counters: (number | undefined)[] = [];
  for (const shard of map.shards) {
    const db = shard.db.as<ItemTables>();
    ids.push((await db.selectFrom('shardtest.items').select('id').where('tenant', '=', tenant).execute()).map((r) => r.id));
    counters.push((await db.selectFrom('shardtest.counters').select('n').where('tenant', '=', tenant).executeTakeFirst())?.n);
  }
  return { ids, counters };
}

async function seed(tenant: string, items: number): Promise<void> {
  for (let i = 0; i < items; i += 100) {
    await map.write<ItemTables, void>(tenant, async (trx) => {
      const rows = Array.from({ length: Math.min(100, items - i) }, (_, j) => ({ id: `${tenant}/seed-${i + j}`, tenant, seq: i + j, created_at: T0 }));
      await trx.insertInto('shardtest.items').values(rows).execute();
    });
  }
  await map.write<ItemTables, void>(tenant, async (trx) => {
    await trx.insertInto('shardtest.counters').values({ tenant, n: 0 }).execute();
  });
}

const entry = (tenant: string) =>
  home!.as<DirectoryTables>().selectFrom('platform.shard_directory').selectAll().where('map', '=', 'shardtest').where('key', '=', tenant).executeTakeFirstOrThrow();

describe('directory moves on 3 Postgres databases', postgresOptions, () => {
  before(async () => {
    dbs = await createShardDatabases(3);
    home = await openDatabase({ url: dbs.urls[0], dataDir: 'memory://', poolMax: 8 });
    map = await openShards({ name: 'shardtest', home, env: env(), migrations: itemMigrations });
  });
  after(async () => {
    await map?.close();
    await home?.close();
    await dbs?.drop();
  });

  test('a move under 4 concurrent writers (inserts, deletes, increments) loses no write and duplicates none, counted', { timeout: 90_000 }, async () => {
    const tenant = 'hot';
    await seed(tenant, 600);
    const from = await map.indexFor(tenant);
    const to = (from + 1) % 3;

    const expected = new Set(Array.from({ length: 600 }, (_, i) => `${tenant}/seed-${i}`));
    let increments = 0;
    const failures: string[] = [];
    let phase: 'before' | 'mirrored' | 'cut' = 'before';
    const acks = { before: 0, mirrored: 0, cut: 0 };
    let stop = false;
    const writer = async (w: number) => {
      const mine: string[] = [];
      for (let i = 0; !stop; i++) {
        try {
          if (i % 7 === 6 && mine.length > 0) {
            const id = mine.shift()!;
            await map.write<ItemTables, void>(tenant, async (trx) => {
              await trx.deleteFrom('shardtest.items').where('id', '=', id).execute();
            });
            expected.delete(id);
          } else if (i % 3 === 2) {
            await map.write<ItemTables, void>(tenant, async (trx) => {
              await trx.updateTable('shardtest.counters').set((eb) => ({ n: eb('n', '+', 1) })).where('tenant', '=', tenant).execute();
            });
            increments++;
          } else {
            const id = `${tenant}/w${w}-${i}`;
            await map.write<ItemTables, void>(tenant, async (trx) => {
              await trx.insertInto('shardtest.items').values({ id, tenant, seq: i, created_at: T0 }).execute();
            });
            expected.add(id);
            mine.push(id);
          }
          acks[phase]++;
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    let report;
    try {
      while (acks.before < 20 && failures.length === 0) await new Promise((r) => setTimeout(r, 10));
      report = await moveKey({
        map,
        home: home!,
        key: tenant,
        to,
        tables: TABLES,
        batchSize: 25,
        log: (line) => {
          if (line.includes('writes now mirrored')) phase = 'mirrored';
          if (line.includes('cut over')) phase = 'cut';
        },
      });
      // Some writes after the cut-over too (bounded: a failing writer never acknowledges).
      const deadline = Date.now() + 15_000;
      const cutAt = acks.cut;
      while (acks.cut < cutAt + 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    } finally {
      stop = true;
      await Promise.all(writers);
    }

    assert.deepEqual(failures, []);
    assert.ok(acks.mirrored > 0 && acks.cut >= 20, `writes were acknowledged while the copy ran and after the cut-over (${JSON.stringify(acks)})`);
    assert.deepEqual([report.moved, report.from, report.to], [true, from, to]);
    assert.equal(await map.indexFor(tenant), to);
    const { ids, counters } = await census(tenant);
    const everywhere = ids.flat();
    assert.equal(everywhere.length, new Set(everywhere).size, 'no item on two shards, none twice');
    assert.deepEqual(ids.map((s) => s.length), [0, 1, 2].map((i) => (i === to ? expected.size : 0)), 'every item on the destination, none left anywhere else');
    assert.deepEqual(new Set(ids[to]), expected, 'exactly the acknowledged inserts minus the acknowledged deletes');
    assert.deepEqual(counters, [0, 1, 2].map((i) => (i === to ? increments : undefined)), `the counter holds all ${increments} acknowledged increments`);
    assert.deepEqual(await entry(tenant), { map: 'shardtest', key: tenant, shard: to, moving_to: null, stale_on: null });
  });

  test('a write that bypasses the map during the copy makes the verify fail: the move is undone and the key stays where it was', async () => {
    const tenant = 'leaky';
    await seed(tenant, 50);
    const from = await map.indexFor(tenant);
    const to = (from + 2) % 3;
    await assert.rejects(
      moveKey({
        map,
        home: home!,
        key: tenant,
        to,
        tables: TABLES,
        log: async (line) => {
          // A writer that routes by a stale copy of the directory and writes the old shard alone.
          if (line.includes('copied') && line.includes('shardtest.items')) {
            await map.shards[from]!.db.as<ItemTables>().insertInto('shardtest.items').values({ id: `${tenant}/stray`, tenant, seq: -1, created_at: T0 }).execute();
          }
        },
      }),
      (err: Error) => err instanceof MoveVerifyError && /shardtest\.items: source 51 row\(s\), destination 50/.test(err.message),
    );
    assert.equal(await map.indexFor(tenant), from);
    const { ids, counters } = await census(tenant);
    assert.deepEqual(ids.map((s) => s.length), [0, 1, 2].map((i) => (i === from ? 51 : 0)));
    assert.deepEqual(counters, [0, 1, 2].map((i) => (i === from ? 0 : undefined)));
    assert.deepEqual(await entry(tenant), { map: 'shardtest', key: tenant, shard: from, moving_to: null, stale_on: null });
  });

  test('a move that dies mid-copy leaves writes mirrored, and running it again finishes it with every row once', async () => {
    const tenant = 'crashy';
    await seed(tenant, 120);
    const from = await map.indexFor(tenant);
    const to = (from + 1) % 3;
    await assert.rejects(
      moveKey({ map, home: home!, key: tenant, to, tables: TABLES, log: (line) => { if (line.includes('copied')) throw new Error('killed'); } }),
      /killed/,
    );
    assert.equal((await entry(tenant)).moving_to, to, 'still mirroring');
    // Written while the move is dead: mirrored, so not lost by the resumed move.
    await map.write<ItemTables, void>(tenant, async (trx) => {
      await trx.insertInto('shardtest.items').values({ id: `${tenant}/meanwhile`, tenant, seq: 999, created_at: T0 }).execute();
    });
    const report = await moveKey({ map, home: home!, key: tenant, to, tables: TABLES });
    assert.deepEqual(report.verified, { 'shardtest.items': { source: 121, target: 121 }, 'shardtest.counters': { source: 1, target: 1 } });
    assert.equal(report.deleted, 122);
    const { ids } = await census(tenant);
    assert.deepEqual(ids.map((s) => s.length), [0, 1, 2].map((i) => (i === to ? 121 : 0)));
  });

  test('moves refuse what they cannot do: an unknown shard, a key already moving elsewhere, a map that is not a directory', async () => {
    await seed('busy', 1);
    const from = await map.indexFor('busy');
    await assert.rejects(moveKey({ map, home: home!, key: 'busy', to: 3, tables: TABLES }), /no shard 3 in shardtest/);
    await home!.as<DirectoryTables>().updateTable('platform.shard_directory').set({ moving_to: (from + 1) % 3 }).where('map', '=', 'shardtest').where('key', '=', 'busy').execute();
    await assert.rejects(moveKey({ map, home: home!, key: 'busy', to: (from + 2) % 3, tables: TABLES }), /is being moved to shard/);
    await assert.rejects(moveKey({ map, home: home!, key: 'busy', to: 0, tables: [{ table: 'x; drop table y', keyColumn: 'k', primaryKey: ['id'] }] }), /not a movable table/);
    const hashMap = await openShards({ name: 'shardtest', home: home!, env: { ...env(), SHARDTEST_SHARD_STRATEGY: 'hash' } });
    try {
      await assert.rejects(moveKey({ map: hashMap, home: home!, key: 'busy', to: 0, tables: TABLES }), /only a directory map moves keys/);
    } finally {
      await hashMap.close();
    }
  });

  test('`scalestack shard move` moves a key between shards, as the CLI process a runbook would run', { timeout: 60_000 }, async () => {
    const tenant = 'cli';
    await seed(tenant, 30);
    const from = await map.indexFor(tenant);
    const to = (from + 1) % 3;
    const run = async (args: string[]) => {
      const child = await spawnScript(cliEntry(), ['shard', ...args], { env: { DATABASE_URL: dbs!.urls[0], ...env() } });
      const exit = await child.exited;
      return { exit, output: child.output() };
    };
    const moved = await run(['move', 'shardtest', tenant, '--to', String(to), '--table', 'shardtest.items:tenant:id', '--table', 'shardtest.counters:tenant:tenant']);
    assert.equal(moved.exit.code, 0, moved.output);
    assert.match(moved.output, /moved in \d+ ms/);
    assert.equal(await map.indexFor(tenant), to);
    const { ids } = await census(tenant);
    assert.deepEqual(ids.map((s) => s.length), [0, 1, 2].map((i) => (i === to ? 30 : 0)));
  });
});
