/**
 * The links service's two hot paths, in one run:
 *  1. redirects (`GET /:code`, 1,000 links picked at random) next to a bare
 *     Fastify hello world measured right before and after (the machine is
 *     shared and its speed drifts), with the cache on and off, on one
 *     database and on 3 (LINKS_SHARDS, 3 databases on the same server).
 *  2. the stats query (per-day series + top referrers of one code over 30
 *     days) over BENCH_CLICKS click events (10 million): DuckDB over the
 *     store's Parquet files (one per day, sorted by code like the store's
 *     merges write them) vs the same query on a Postgres table with an
 *     index on (code, ts). p50/p99 over BENCH_QUERIES random codes.
 *
 * Settings (env): BENCH_DURATION (8), BENCH_WARMUP (2), BENCH_CONNECTIONS (32),
 * BENCH_CLICKS (10000000), BENCH_QUERIES (40), TEST_DATABASE_URL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DuckDBInstance } from '@duckdb/node-api';
import { ADMIN_DATABASE_URL } from '../src/testing/db-targets.js';
import { spawnCli, spawnScript, type NodeProcess } from '../src/testing/cli-process.js';
import { HotDir } from '../src/services/links/analytics/hot-dir.js';
import { openSharedClickStore } from '../src/services/links/analytics/open-click-store.js';
import { PARQUET } from '../src/services/links/analytics/duckdb-click-store.js';
import type { Benchmark } from './lib/benchmark.js';
import { measure, percentile, type LoadResult } from './lib/load.js';
import { machine, type Report } from './lib/report.js';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const load = { durationSeconds: num('BENCH_DURATION', 8), warmupSeconds: num('BENCH_WARMUP', 2), connections: num('BENCH_CONNECTIONS', 32) };
const CLICKS = num('BENCH_CLICKS', 10_000_000);
const QUERIES = num('BENCH_QUERIES', 40);
const LINKS = 1000;
const CODES = 1000;
const DAYS = 60;
const DAY_MS = 86_400_000;
const QUIET = { LOG_LEVEL: 'warn', LOG_PRETTY: 'false', RATE_LIMIT_ENABLED: 'false' };

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function seedLinks(base: string, name: string): Promise<string[]> {
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<{ user: { token: string }; link: { code: string } }>;
  };
  // The users table is the service database's: one user per layout, since both layouts share it.
  const { user } = await post('/api/users', { user: { username: `bench-${name}`, email: `bench-${name}@example.com`, password: 'bench-password-1' } });
  const codes: string[] = [];
  for (let i = 0; i < LINKS; i++) codes.push((await post('/api/links', { link: { url: `https://example.com/page/${i}` } }, user.token)).link.code);
  return codes;
}

interface RedirectRow {
  setup: string;
  result: LoadResult;
  hello: number;
}

async function redirectRows(env: Record<string, string>, shardUrls: string[], dataDir: string, report: Report): Promise<RedirectRow[]> {
  const hello = await spawnScript('bench/baselines/fastify-hello.ts', []);
  const rows: RedirectRow[] = [];
  try {
    await hello.waitReady('/', 30_000);
    const helloRps = async () => (await measure({ endpoint: 'GET / (bare Fastify)', url: hello.url, path: '/' }, load)).reqPerSec;
    // Links are seeded once per database layout; cache on and off then redirect the same codes.
    const codes = new Map<string, string[]>();
    const sharded = { LINKS_SHARDS: shardUrls.join(',') };
    for (const [setup, layout, extra] of [
      ['one database, cache on (near + L1)', 'single', {}],
      ['one database, cache off', 'single', { CACHE_ENABLED: 'false' }],
      ['3 shards, cache on (near + L1)', 'sharded', sharded],
      ['3 shards, cache off', 'sharded', { ...sharded, CACHE_ENABLED: 'false' }],
    ] as const) {
      const system: NodeProcess = await spawnCli({ env: { ...env, ...extra, DATA_DIR: join(dataDir, setup.replace(/\W+/g, '-')) } });
      try {
        await system.waitReady('/readyz', 120_000);
        if (!codes.has(layout)) codes.set(layout, await seedLinks(system.url, layout));
        const all = codes.get(layout)!;
        const before = await helloRps();
        const result = await measure({ endpoint: 'GET /:code', url: system.url, path: `/${all[0]}`, expectStatus: 302, next: (i) => ({ path: `/${all[(i * 7919) % all.length]}` }) }, load);
        const after = await helloRps();
        rows.push({ setup, result, hello: (before + after) / 2 });
        if (result.errors > 0) report.text(`errors in "${setup}": ${JSON.stringify(result.failures)}`);
        if (rows.length === 1) {
          // The platform's cheapest route on the same process (no SQL, no cache): what every route pays for hooks, metrics, tracing.
          const floor = await measure({ endpoint: 'GET /healthz', url: system.url, path: '/healthz' }, load);
          rows.push({ setup: 'GET /healthz, same process (the platform floor)', result: floor, hello: (after + (await helloRps())) / 2 });
        }
      } finally {
        await system.stop('SIGTERM', 30_000);
      }
    }
  } finally {
    await hello.stop();
  }
  return rows;
}

interface QueryRow {
  store: string;
  p50: number;
  p99: number;
  load: number;
}

const codeOf = (i: number) => `c${String(i).padStart(6, '0')}`;

/** The stats query both ways, over the same generated clicks (code i % CODES, spread over DAYS days, 8 referrers). */
async function statsRows(databaseUrl: string, dir: string): Promise<QueryRow[]> {
  const start = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAYS * DAY_MS;
  const t0 = performance.now();
  // The rows are generated inside DuckDB (the same as the Postgres statement below) and written as the store
  // lays them out: one ZSTD Parquet file per day, sorted by (code, ts) as its merges write them.
  const hot = new HotDir(join(dir, 'links', 'hot'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(
    `create table clicks as select ${start} + (i * 7919) % ${DAYS * DAY_MS} as ts, 'c' || lpad((i % ${CODES})::varchar, 6, '0') as code, 'ref' || (i % 8) || '.example' as referrer, 'ZZ' as country, 'desktop' as ua from range(${CLICKS}) t(i)`,
  );
  for (let d = 0; d < DAYS; d++) {
    const day = new Date(start + d * DAY_MS).toISOString().slice(0, 10);
    const staging = hot.stagingOf(day, 'bench');
    await connection.run(`copy (select * from clicks where ts >= ${start + d * DAY_MS} and ts < ${start + (d + 1) * DAY_MS} order by code, ts) to '${staging}' ${PARQUET}`);
    hot.commit(staging, hot.fileOf(day, 'bench', d, d, 5));
  }
  connection.closeSync();
  instance.closeSync();
  const duckLoadS = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {}); // a server-side end shows up as the failed query instead
  await client.connect();
  await client.query('create table clicks (ts bigint not null, code text not null, referrer text not null, country text not null, ua text not null)');
  await client.query(
    `insert into clicks select ${start} + (i * 7919) % ${DAYS * DAY_MS}, 'c' || lpad((i % ${CODES})::text, 6, '0'), 'ref' || (i % 8) || '.example', 'ZZ', 'desktop' from generate_series(0::bigint, ${CLICKS - 1}) i`,
  );
  await client.query('create index on clicks (code, ts)');
  await client.query('analyze clicks');
  const pgLoadS = (performance.now() - t1) / 1000;

  const store = await openSharedClickStore({ dataDir: dir });
  const from = start + 10 * DAY_MS;
  const to = from + 30 * DAY_MS;
  const timings = { duck: [] as number[], pg: [] as number[] };
  try {
    for (let q = 0; q < QUERIES; q++) {
      const code = codeOf((q * 37) % CODES);
      let t = performance.now();
      await store.stats(code, from, to, 'day');
      timings.duck.push(performance.now() - t);
      t = performance.now();
      await client.query(`select (ts / ${DAY_MS}) * ${DAY_MS} as t, count(*) from clicks where code = $1 and ts >= $2 and ts < $3 group by 1 order by 1`, [code, from, to]);
      await client.query(`select referrer, count(*) from clicks where code = $1 and ts >= $2 and ts < $3 group by 1 order by 2 desc, 1 limit 10`, [code, from, to]);
      timings.pg.push(performance.now() - t);
    }
  } finally {
    await store.close();
    await client.end();
  }
  const row = (storeName: string, ms: number[], loadS: number): QueryRow => {
    ms.sort((a, b) => a - b);
    return { store: storeName, p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), load: loadS };
  };
  return [row('DuckDB over the Parquet files (the store)', timings.duck, duckLoadS), row('Postgres, index on (code, ts)', timings.pg, pgLoadS)];
}

export const benchmark: Benchmark = {
  name: 'links',
  description: 'redirect rps/p99 vs bare Fastify (cache on/off, one database/3 shards); stats query p99 over 10M clicks, DuckDB vs Postgres',
  async run(report: Report) {
    report.text('## links: redirects at cache speed, analytics on a column store');
    report.facts({ ...machine(), 'load average at start (1 min)': loadavg()[0]!.toFixed(1), ...load, clicks: CLICKS, queries: QUERIES });
    const db = `links_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
    const shardDbs = [0, 1, 2].map((i) => `${db}_shard_${i}`);
    const urlOf = (name: string) => Object.assign(new URL(ADMIN_DATABASE_URL), { pathname: `/${name}` }).toString();
    try {
      await admin(async (c) => {
        for (const name of [db, ...shardDbs]) await c.query(`create database ${name}`);
      });
    } catch (err) {
      report.text(`**skipped:** PostgreSQL not reachable at ${ADMIN_DATABASE_URL} (${(err as Error).message})`);
      return false;
    }
    const url = new URL(ADMIN_DATABASE_URL);
    url.pathname = `/${db}`;
    const dir = await mkdtemp(join(tmpdir(), 'links-bench-'));
    try {
      const env = { ...QUIET, DATABASE_URL: url.toString(), JWT_SECRET: randomBytes(32).toString('base64url') };
      const rows = await redirectRows(env, shardDbs.map(urlOf), dir, report);
      report.text(`### redirects (${load.connections} connections, ${load.durationSeconds} s each; hello world measured right before and after each row)`);
      report.table(
        ['setup', 'rps', 'p50 ms', 'p99 ms', 'errors', 'hello world rps', 'share of hello world'],
        rows.map((r) => [r.setup, Math.round(r.result.reqPerSec), r.result.p50.toFixed(2), r.result.p99.toFixed(2), r.result.errors, Math.round(r.hello), `${Math.round((100 * r.result.reqPerSec) / r.hello)}%`]),
      );
      report.text(`load average after the redirect rows (1 min): ${loadavg()[0]!.toFixed(1)}`);
      const queries = await statsRows(url.toString(), dir);
      report.text(`### stats query over ${CLICKS.toLocaleString('en')} clicks (${CODES} codes, ${DAYS} days; one code, 30 days, per-day series + top referrers; ${QUERIES} queries)`);
      report.table(['store', 'p50 ms', 'p99 ms', 'load s'], queries.map((q) => [q.store, q.p50.toFixed(1), q.p99.toFixed(1), q.load.toFixed(1)]));
      return rows.every((r) => r.result.errors === 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await admin(async (c) => {
        for (const name of [db, ...shardDbs]) await c.query(`drop database if exists ${name} with (force)`);
      }).catch(() => {});
    }
  },
};
