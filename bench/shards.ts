/**
 * What a query costs on a sharded map (src/platform/sharding): a query for
 * one key (routed to its shard) next to the same query on one unsharded
 * database holding every row, and a query across keys (scatter-gather over
 * every shard, merged and cut at the limit) next to the same query unsharded;
 * hash routing next to directory routing (one lookup more). Closed loop: a
 * fixed number of callers in this process, each issuing the next query when
 * the last returned; 3 shard databases and 1 unsharded one, created on the
 * local Postgres (sharding_<random>_1..4) and dropped at the end.
 *
 * Settings (env): BENCH_DURATION (s per row, 5), BENCH_CONCURRENCY (callers, 8),
 * BENCH_SHARD_TENANTS (300), BENCH_SHARD_ITEMS (items per tenant, 100), TEST_DATABASE_URL.
 */
import { sql } from 'kysely';
import { openDatabase } from '../src/platform/db/open-database.js';
import { runMigrations } from '../src/platform/db/migrations.js';
import type { Database } from '../src/platform/db/database.js';
import { openShards } from '../src/platform/sharding/open-shards.js';
import type { ShardMap } from '../src/platform/sharding/shard-map.js';
import { createShardDatabases, itemMigrations, type ItemTables } from '../src/platform/sharding/testing/shard-databases.js';
import type { Benchmark } from './lib/benchmark.js';
import { closedLoop, type LoopResult } from './lib/closed-loop.js';
import { machine, type Report } from './lib/report.js';

const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const DURATION_MS = num('BENCH_DURATION', 5) * 1000;
const CONCURRENCY = num('BENCH_CONCURRENCY', 8);
const TENANTS = num('BENCH_SHARD_TENANTS', 300);
const ITEMS = num('BENCH_SHARD_ITEMS', 100);
const PAGE = 20;

type Item = ItemTables['shardtest.items'];
const newestFirst = (a: Item, b: Item) => b.created_at.getTime() - a.created_at.getTime() || (a.id < b.id ? 1 : -1);
const tenant = (i: number) => `t-${i}`;

interface Row extends LoopResult {
  rssMiB: number;
  query: string;
  setup: string;
  statements: string;
}

const byTenant = (db: Database, t: string) =>
  db.as<ItemTables>().selectFrom('shardtest.items').selectAll().where('tenant', '=', t).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(PAGE).execute();
const newest = (db: Database, limit: number | undefined) =>
  db.as<ItemTables>().selectFrom('shardtest.items').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit ?? PAGE).execute();
const bySeq = (db: Database, seq: number, limit: number | undefined) =>
  db.as<ItemTables>().selectFrom('shardtest.items').selectAll().where('seq', '=', seq).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit ?? PAGE).execute();

async function seed(map: ShardMap, single: Database): Promise<void> {
  const base = Date.UTC(2026, 0, 1);
  for (let t = 0; t < TENANTS; t += 10) {
    const batch = Array.from({ length: Math.min(10, TENANTS - t) }, (_, k) => t + k);
    await Promise.all(
      batch.map(async (ti) => {
        const rows = Array.from({ length: ITEMS }, (_, s) => ({ id: `${tenant(ti)}/${s}`, tenant: tenant(ti), seq: s, created_at: new Date(base + ((ti * 7919 + s * 104729) % 10_000_000)) }));
        await map.write<ItemTables, void>(tenant(ti), async (trx) => {
          await trx.insertInto('shardtest.items').values(rows).execute();
        });
        await single.as<ItemTables>().insertInto('shardtest.items').values(rows).execute();
      }),
    );
  }
  for (const db of [...map.all(), single]) await sql`analyze shardtest.items`.execute(db.as<ItemTables>());
}

/** The shard rows (also part of `npm run bench -- data`): writes their table to the report; false when any request failed. */
export async function shardSection(report: Report): Promise<boolean> {
    const dbs = await createShardDatabases(4);
    const [s1, s2, s3, whole] = dbs.urls as [string, string, string, string];
    const single = await openDatabase({ url: whole, dataDir: 'memory://', poolMax: CONCURRENCY });
    const env = (strategy: string) => ({ BENCH_SHARDS: [s1, s2, s3].join(','), BENCH_SHARD_STRATEGY: strategy, BENCH_SHARD_POOL_MAX: String(CONCURRENCY) });
    let hash: ShardMap | undefined;
    let directory: ShardMap | undefined;
    const rows: Row[] = [];
    try {
      await runMigrations(single, [itemMigrations]);
      hash = await openShards({ name: 'bench', home: single, env: env('hash'), migrations: itemMigrations });
      directory = await openShards({ name: 'bench', home: single, env: env('directory') });
      await seed(directory, single);
      const add = async (query: string, setup: string, statements: string, run: (i: number) => Promise<unknown>) => {
        const r = await closedLoop(CONCURRENCY, DURATION_MS, run);
        rows.push({ query, setup, statements, ...r, rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) });
      };
      const h = hash;
      const d = directory;
      const key = (i: number) => tenant((i * 7) % TENANTS);
      await add(`one tenant's newest ${PAGE}`, 'unsharded', '1', (i) => byTenant(single, key(i)));
      await add(`one tenant's newest ${PAGE}`, '3 shards, hash routing', '1', async (i) => byTenant(await h.shardFor(key(i)), key(i)));
      await add(`one tenant's newest ${PAGE}`, '3 shards, directory routing', '2 (lookup + query)', async (i) => byTenant(await d.shardFor(key(i)), key(i)));
      await add(`newest ${PAGE} of all`, 'unsharded', '1', () => newest(single, PAGE));
      await add(`newest ${PAGE} of all`, '3 shards, scatter-gather', '3', () => h.scatterGather((db, c) => newest(db, c.limit), { compare: newestFirst, limit: PAGE }));
      await add(`newest ${PAGE} with seq = n (no index)`, 'unsharded', '1', (i) => bySeq(single, i % ITEMS, PAGE));
      await add(`newest ${PAGE} with seq = n (no index)`, '3 shards, scatter-gather', '3', (i) => h.scatterGather((db, c) => bySeq(db, i % ITEMS, c.limit), { compare: newestFirst, limit: PAGE }));
    } finally {
      await hash?.close();
      await directory?.close();
      await single.close();
      await dbs.drop();
    }
    report.table(
      ['query', 'setup', 'statements', 'queries', 'errors', 'late', 'unfinished', 'queries/s', 'p50 ms', 'p99 ms', 'RSS MiB'],
      rows.map((r) => [r.query, r.setup, r.statements, r.requests, r.errors, r.late, r.unfinished, r.perSecond.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), r.rssMiB]),
    );
    report.text(
      'A query for one key costs what it costs unsharded (plus one indexed lookup under a directory); a query across keys costs one query per shard, ' +
        'fetches up to shards × limit rows to keep limit, and waits for the slowest shard. On one machine the shards share its cores, so scatter-gather ' +
        'shows its overhead here, not the parallel scan speed-up separate servers give a full scan.',
    );
    return rows.every((r) => r.errors === 0 && r.unfinished === 0 && r.ok > 0);
}

export const benchmark: Benchmark = {
  name: 'shards',
  description: 'single-shard vs scatter-gather query cost on 3 Postgres shards (also a part of `data`); hash vs directory routing',
  async run(report: Report): Promise<boolean> {
    report.text(`## shards — ${new Date().toISOString()}`);
    report.facts({ ...machine(), rows: `${TENANTS} tenants × ${ITEMS} items = ${TENANTS * ITEMS}`, callers: CONCURRENCY, 'seconds per row': DURATION_MS / 1000, page: PAGE });
    return shardSection(report);
  },
};
