/**
 * The Conduit API under load, per database target, side by side with a bare
 * Fastify hello world measured the same way in the same run. Each system runs
 * as its own child process (`scalestack start`), is seeded through the HTTP
 * API, then autocannon drives four endpoints in turn.
 *
 * Settings (env): BENCH_DURATION (s per endpoint, 10), BENCH_WARMUP (s, 2),
 * BENCH_CONNECTIONS (10), BENCH_USERS (200), BENCH_ARTICLES (2000),
 * BENCH_FOLLOWS (follows per user, 50), BENCH_SEED_CONCURRENCY (16),
 * BENCH_TARGETS (pglite,postgres+redis: postgres+redis has TEST_REDIS_URL's Redis as L2 cache and
 * timeline store, keys under a prefix of its own; postgres alone has no Redis), BENCH_CACHE (on,off: each target is measured with the
 * cache on and off, on the same seeded data), TEST_DATABASE_URL (admin URL of the server),
 * BENCH_SYSTEM_ENV (settings of the measured system) and BENCH_SYSTEM_NODE_ARGS (its node flags): bench/lib/system-env.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ADMIN_DATABASE_URL } from '../src/testing/db-targets.js';
import { REPO_ROOT, spawnCli, spawnScript, type NodeProcess } from '../src/testing/cli-process.js';
import type { Benchmark } from './lib/benchmark.js';
import { measure, type LoadResult, type LoadSettings, type LoadSpec } from './lib/load.js';
import { forEachBounded, prng } from './lib/pool.js';
import { machine, progress, type Report } from './lib/report.js';
import { rssMb } from './lib/rss.js';
import { benchSystemEnv, benchSystemNodeArgs, systemNodeOptions } from './lib/system-env.js';
import { dropRedisKeys } from '../src/testing/redis-keys.js';
import { redisUnavailable, TEST_REDIS_URL } from '../src/testing/redis-probe.js';
import { cacheKeysPattern } from '../src/platform/cache/bento-cache.js';
import { keptEmbeddedBase } from '../src/cli/embedded-base.js';
import { allServices } from '../src/services/registry.js';
import { monotonicUs, profileNodeArgs, profiling, reportProfiles } from './lib/profile.js';
import { heapMark, heapSummary, type HeapSummary } from './lib/heap.js';
import { cpuPerRequestUs, increase, total } from './lib/prom.js';
import { mkdir } from 'node:fs/promises';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}="${raw}" is not a non-negative number`);
  return value;
}

const settings = {
  duration: envInt('BENCH_DURATION', 10),
  warmup: envInt('BENCH_WARMUP', 2),
  connections: envInt('BENCH_CONNECTIONS', 10),
  // Issue 21's seed, the one its goals are stated on: 200 users, 2,000 articles, each user following 50.
  users: envInt('BENCH_USERS', 200),
  articles: envInt('BENCH_ARTICLES', 2_000),
  follows: envInt('BENCH_FOLLOWS', 50),
  seedConcurrency: envInt('BENCH_SEED_CONCURRENCY', 16),
  targets: (process.env['BENCH_TARGETS'] ?? 'pglite,postgres+redis').split(',').map((t) => t.trim()).filter(Boolean),
  /** Cache variants measured on the same seeded data: on (the default config), off, or both. */
  cache: (process.env['BENCH_CACHE'] ?? 'on,off').split(',').map((v) => {
    const value = v.trim();
    if (value !== 'on' && value !== 'off') throw new Error(`BENCH_CACHE="${process.env['BENCH_CACHE']}": use on, off or on,off`);
    return value === 'on';
  }),
};

const JWT_SECRET = randomBytes(32).toString('base64url');
const PASSWORD = 'bench-password-1';
const TAGS = [
  'node', 'postgres', 'fastify', 'typescript', 'scaling', 'caching', 'queues', 'sharding', 'replicas', 'indexes',
  'latency', 'throughput', 'feeds', 'fanout', 'redis', 'kafka', 'nats', 'rabbitmq', 'kubernetes', 'docker',
  'observability', 'metrics', 'tracing', 'logging', 'testing', 'design', 'security', 'auth', 'http', 'api',
];

// ---------------------------------------------------------------- targets

interface Target {
  name: 'pglite' | 'postgres' | 'postgres+redis';
  /** What the numbers ran on, for the report. */
  describe: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

async function pgliteTarget(): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'scalestack-bench-'));
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string };
  return {
    name: 'pglite',
    describe: `embedded PGlite ${pkg.version} (WASM Postgres, one connection) on disk in ${dir}`,
    env: { DATA_DIR: dir },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * A fresh database on the real server, dropped after; a string (the reason) when the server is unreachable. With
 * `redis` (the postgres+redis target) the system also caches in that Redis (L2, under a prefix of its own) and
 * keeps its timelines there, as a deployment of several instances would.
 */
async function postgresTarget(redis?: string): Promise<Target | string> {
  if (redis) {
    const unavailable = await redisUnavailable(redis);
    if (unavailable) return `Redis not reachable at ${redis} (${unavailable}); set TEST_REDIS_URL, or BENCH_TARGETS=pglite,postgres for Postgres without Redis`;
  }
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (err) {
    await admin.end().catch(() => {});
    return `PostgreSQL not reachable at ${ADMIN_DATABASE_URL} (${(err as Error).message}); set TEST_DATABASE_URL`;
  }
  const name = `scalestack_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  let version = 'unknown';
  try {
    version = (await admin.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v ?? version;
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  const redisEnv: Record<string, string> = redis ? { REDIS_URL: redis, REDIS_PREFIX: name } : {};
  return {
    name: redis ? 'postgres+redis' : 'postgres',
    describe: `PostgreSQL ${version} at ${url.host}, fresh database ${name} (pg pool, DATABASE_POOL_MAX=10)${redis ? `; Redis at ${new URL(redis).host}, keys under ${name}` : ''}`,
    env: { DATABASE_URL: url.toString(), ...redisEnv },
    cleanup: async () => {
      const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

// ---------------------------------------------------------------- seeding

interface Seeded {
  usernames: string[];
  tokens: string[];
  slugs: string[];
  ms: { users: number; follows: number; articles: number };
}

async function call(base: string, method: string, path: string, body?: unknown, token?: string): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers['authorization'] = `Token ${token}`;
  const res = await fetch(base + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

async function seed(base: string): Promise<Seeded> {
  const { users, articles, follows, seedConcurrency } = settings;
  const random = prng(42);
  const usernames = Array.from({ length: users }, (_, i) => `bench_user_${String(i).padStart(5, '0')}`);
  const tokens: string[] = new Array<string>(users);
  const slugs: string[] = new Array<string>(articles);

  let t0 = performance.now();
  let bar = progress('seed users', users);
  await forEachBounded(users, seedConcurrency, async (i) => {
    const res = (await call(base, 'POST', '/api/users', {
      user: { username: usernames[i], email: `${usernames[i]}@bench.example`, password: PASSWORD },
    })) as { user: { token: string } };
    tokens[i] = res.user.token;
    bar.tick();
  });
  bar.done();
  const usersMs = performance.now() - t0;

  // Each user follows `follows` distinct others, chosen by a seeded PRNG.
  const edges: Array<[number, number]> = [];
  for (let i = 0; i < users; i++) {
    const chosen = new Set<number>();
    const want = Math.min(follows, users - 1);
    while (chosen.size < want) {
      const j = Math.floor(random() * users);
      if (j !== i) chosen.add(j);
    }
    for (const j of chosen) edges.push([i, j]);
  }
  t0 = performance.now();
  bar = progress('seed follows', edges.length);
  await forEachBounded(edges.length, seedConcurrency, async (k) => {
    const [from, to] = edges[k]!;
    await call(base, 'POST', `/api/profiles/${usernames[to]}/follow`, undefined, tokens[from]);
    bar.tick();
  });
  bar.done();
  const followsMs = performance.now() - t0;

  const tagLists = Array.from({ length: articles }, () => {
    const tags = new Set<string>();
    const want = 2 + Math.floor(random() * 3);
    while (tags.size < want) tags.add(TAGS[Math.floor(random() * TAGS.length)]!);
    return [...tags];
  });
  const paragraph =
    'Scaling is mostly about removing work from the hot path: cache what is read often, queue what is slow, ' +
    'and measure before and after. ';
  t0 = performance.now();
  bar = progress('seed articles', articles);
  await forEachBounded(articles, seedConcurrency, async (a) => {
    const author = a % users;
    const res = (await call(
      base,
      'POST',
      '/api/articles',
      {
        article: {
          title: `Bench article ${a} on ${tagLists[a]![0]}`,
          description: `Article ${a} by ${usernames[author]}`,
          body: paragraph.repeat(6),
          tagList: tagLists[a],
        },
      },
      tokens[author],
    )) as { article: { slug: string } };
    slugs[a] = res.article.slug;
    bar.tick();
  });
  bar.done();
  const articlesMs = performance.now() - t0;

  return { usernames, tokens, slugs, ms: { users: usersMs, follows: followsMs, articles: articlesMs } };
}

/** Spot checks before measuring: a benchmark of a wrong answer measures nothing. */
async function sanityCheck(base: string, seeded: Seeded): Promise<string> {
  const list = (await call(base, 'GET', '/api/articles?limit=1')) as { articlesCount: number };
  if (list.articlesCount !== settings.articles) {
    throw new Error(`GET /api/articles says articlesCount=${list.articlesCount}, seeded ${settings.articles}`);
  }
  const feed = (await call(base, 'GET', '/api/articles/feed', undefined, seeded.tokens[0])) as { articles: unknown[]; articlesCount: number };
  if (settings.follows > 0 && settings.articles >= settings.users && feed.articles.length === 0) {
    throw new Error('the feed of a user who follows others is empty');
  }
  const tags = (await call(base, 'GET', '/api/tags')) as { tags: string[] };
  return `articlesCount=${list.articlesCount}, feed of user 0: ${feed.articlesCount} articles, ${tags.tags.length} tags`;
}

/**
 * Every key the rows sample, read once before the first row: each article by slug, and each user's feed and
 * signed-in list (their timeline and viewer sets). Otherwise the first row to touch a key pays its miss and
 * the rows after it do not: the anonymous single-article row ran at a third of the signed-in one after it.
 */
async function warmSampled(base: string, seeded: Seeded): Promise<void> {
  await forEachBounded(seeded.slugs.length, settings.seedConcurrency, async (a) => {
    await call(base, 'GET', `/api/articles/${encodeURIComponent(seeded.slugs[a]!)}`);
  });
  await forEachBounded(seeded.tokens.length, settings.seedConcurrency, async (u) => {
    await call(base, 'GET', '/api/articles/feed', undefined, seeded.tokens[u]);
    await call(base, 'GET', '/api/articles', undefined, seeded.tokens[u]);
  });
}

// ---------------------------------------------------------------- load

function endpoints(base: string, seeded: Seeded): LoadSpec[] {
  // A fixed shuffle of the slugs so consecutive requests hit unrelated rows.
  const random = prng(7);
  const slugs = [...seeded.slugs];
  for (let i = slugs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [slugs[i], slugs[j]] = [slugs[j]!, slugs[i]!];
  }
  const tokens = seeded.tokens;
  const auth = (i: number) => ({ authorization: `Token ${tokens[i % tokens.length]}` });
  const run = randomBytes(3).toString('hex');
  return [
    { endpoint: 'GET /api/articles', url: base, path: '/api/articles' },
    // The same read signed in (rotating tokens): the viewer's flags on top of the anonymous page.
    { endpoint: 'GET /api/articles, signed in', url: base, path: '/api/articles', headers: auth(0), next: (i) => ({ headers: auth(i) }) },
    {
      endpoint: 'GET /api/articles/:slug',
      url: base,
      path: `/api/articles/${slugs[0]}`,
      next: (i) => ({ path: `/api/articles/${encodeURIComponent(slugs[i % slugs.length]!)}` }),
    },
    {
      endpoint: 'GET /api/articles/:slug, signed in',
      url: base,
      path: `/api/articles/${slugs[0]}`,
      headers: auth(0),
      next: (i) => ({ path: `/api/articles/${encodeURIComponent(slugs[i % slugs.length]!)}`, headers: auth(i) }),
    },
    {
      endpoint: 'GET /api/articles/feed',
      url: base,
      path: '/api/articles/feed',
      headers: auth(0),
      next: (i) => ({ headers: auth(i) }),
    },
    {
      endpoint: 'POST /api/articles',
      url: base,
      method: 'POST',
      path: '/api/articles',
      headers: { 'content-type': 'application/json', ...auth(0) },
      next: (i) => ({
        headers: auth(i),
        body: JSON.stringify({
          article: {
            title: `Load ${run} ${i}`,
            description: 'written under load',
            body: 'A short body written by the benchmark.',
            tagList: [TAGS[i % TAGS.length], 'load'],
          },
        }),
      }),
    },
  ];
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '-');

interface Row {
  target: string;
  result: LoadResult;
  /** Resident memory of the measured process right after the row (MB); undefined for the hello baseline's own process. */
  rssMb?: number | undefined;
  /** The measured process's cache misses and refresh-ahead reloads during the row, its warm-up included (from its /metrics). */
  cache?: { misses: number; reloads: number };
  /**
   * The longest the measured process's event loop was held during the row, its warm-up included (ms; prom-client's
   * nodejs_eventloop_lag_max_seconds, reset by each scrape). The load's 10 connections each wait for their answer,
   * so a stall delays 10 requests and barely moves p99; a client that does not wait would see it on every request
   * that arrived during it.
   */
  loopMaxMs?: number;
  /** The measured process's CPU time per request during the row, its warm-up included (µs; cpuPerRequestUs). */
  cpuUs?: number | undefined;
  /** The row's window on the profiler's clock (µs), for --profile. */
  window?: { fromUs: number; toUs: number };
  /** The measured process's heap after the row and its GC during it, for --profile. */
  heap?: HeapSummary;
}

/**
 * Measures each endpoint in turn. With `measured` (a system, not the hello baseline) each row also gets the
 * process's cache misses, and with `profile` its heap summary.
 */
async function measureAll(label: string, specs: LoadSpec[], load: LoadSettings, rows: Row[], measured?: { pid: number | undefined; metricsUrl: string; profile: boolean }): Promise<void> {
  for (const spec of specs) {
    process.stderr.write(`  measuring ${label} ${spec.endpoint} (${load.warmupSeconds} s warm-up + ${load.durationSeconds} s)\n`);
    const fromUs = monotonicUs() + load.warmupSeconds * 1e6;
    const mark = measured ? await heapMark(measured.metricsUrl) : undefined;
    const result = await measure(spec, load);
    const after = measured ? await heapMark(measured.metricsUrl) : undefined;
    const cache = mark && after ? { misses: increase(mark, after, 'cache_misses_total'), reloads: increase(mark, after, 'cache_refreshes_total') } : undefined;
    const heap = measured?.profile && mark && after ? heapSummary(mark, after) : undefined;
    const loopMaxMs = mark && after ? total(after, 'nodejs_eventloop_lag_max_seconds') * 1000 : undefined;
    const cpuUs = mark && after ? cpuPerRequestUs(mark, after) : undefined;
    rows.push({
      target: label,
      result,
      rssMb: await rssMb(measured?.pid),
      window: { fromUs, toUs: monotonicUs() },
      ...(cache ? { cache } : {}),
      ...(heap ? { heap } : {}),
      ...(loopMaxMs !== undefined ? { loopMaxMs } : {}),
      cpuUs,
    });
    const failures = result.errors > 0 ? `, ERRORS ${JSON.stringify(result.failures.statuses)} e.g. ${result.failures.sample}` : '';
    const misses = cache ? `, ${cache.misses} cache misses` : '';
    const loop = loopMaxMs !== undefined ? `, event loop held up to ${loopMaxMs.toFixed(1)} ms` : '';
    const cpu = cpuUs !== undefined ? `, ${Math.round(cpuUs)} µs CPU a request` : '';
    process.stderr.write(`    ${Math.round(result.reqPerSec)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms${misses}${loop}${cpu}${failures}\n`);
  }
}

async function helloWorld(load: LoadSettings, rows: Row[], label: string): Promise<void> {
  const hello = await spawnScript('bench/baselines/fastify-hello.ts', []);
  try {
    await hello.waitReady('/', 30_000);
    await measureAll(label, [{ endpoint: 'GET /', url: hello.url, path: '/' }], load, rows);
  } finally {
    await hello.stop();
  }
}

/**
 * Each target has its own database, so with a shared Redis (BENCH_SYSTEM_ENV=REDIS_URL=...) its keys get their own
 * prefix: otherwise the second target reads the first one's cached profiles, whose ids are another database's.
 */
function perTarget(env: Record<string, string>, target: Target): Record<string, string> {
  return env['REDIS_URL'] ? { ...env, REDIS_PREFIX: `${env['REDIS_PREFIX'] ?? 'bench'}-${target.name}` } : env;
}

/**
 * With a shared Redis, the seeding process leaves cache entries there (an author's viewer set, loaded when they
 * post) whose TTLs started during the seed: the measured process's warm-up read them from Redis with seconds
 * left, and a few hundred expired together in the middle of a row (the signed-in list's p99 went from ~2.3 to
 * 7-9 ms, depending on how long the seed took). Dropped here, every sampled key is loaded by the warm-up with a
 * full TTL, as on the embedded target, whose in-process cache ends with the seeding process. Timelines and
 * the bus's streams stay: they are data, not cache.
 */
async function dropSharedCache(target: Target, report: Report): Promise<void> {
  const redis = targetRedis(target);
  if (!redis) return;
  const dropped = await dropRedisKeys(redis.url, cacheKeysPattern(redis.prefix));
  report.facts({ 'shared cache after seeding': `${dropped} keys under ${redis.prefix} dropped, so every row starts from the warm-up's entries` });
}

/** The shared Redis of a target and its key prefix: its own (postgres+redis), or BENCH_SYSTEM_ENV's REDIS_URL (perTarget). */
function targetRedis(target: Target): { url: string; prefix: string } | undefined {
  const env = { ...target.env, ...perTarget(benchSystemEnv(), target) };
  const url = env['REDIS_URL'];
  const prefix = env['REDIS_PREFIX'];
  return url && prefix ? { url, prefix } : undefined;
}

/** Starts the system on the target with the cache on or off; the same JWT secret every time, so tokens outlive restarts. */
async function startSystemProcess(target: Target, cache: boolean, profileDir?: string): Promise<{ system: NodeProcess; readyMs: number }> {
  const system = await spawnCli({
    ...systemNodeOptions(profileDir ? profileNodeArgs(profileDir) : []),
    env: {
      ...target.env,
      LOG_LEVEL: 'warn',
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_TIME_COST: '1',
      JWT_SECRET,
      CACHE_ENABLED: String(cache),
      // One client address sends everything here; the limiter would answer 429 (it has its own tests and benchmark).
      RATE_LIMIT_ENABLED: 'false',
      ...perTarget(benchSystemEnv(), target),
    },
  });
  try {
    return { system, readyMs: await system.waitReady('/readyz', 120_000) };
  } catch (err) {
    await system.stop('SIGKILL');
    throw err;
  }
}

async function stopSystemProcess(system: NodeProcess, label: string, report: Report): Promise<boolean> {
  const exit = await system.stop('SIGTERM', 15_000);
  if (exit.code === 0) return true;
  report.text(`**${label}: the system exited with code ${exit.code} (signal ${exit.signal}) on SIGTERM** after ${Math.round(exit.ms)} ms:\n\n\`\`\`\n${system.output().slice(-3000)}\n\`\`\``);
  return false;
}

/** The measured process's CPU profile, one file per row, with each row's heaviest functions in the report. */
async function writeProfiles(dir: string, rows: Row[], report: Report): Promise<void> {
  await reportProfiles(dir, rows.flatMap((r) => (r.window ? [{ name: `${r.target} ${r.result.endpoint}`, ...r.window }] : [])), report);
}

/** --profile's heap summary per row (bench/lib/heap.ts): the heap after it, GC pauses during it (warm-up included). */
function reportHeap(label: string, rows: Row[], report: Report): void {
  const measured = rows.filter((r): r is Row & { heap: HeapSummary } => r.heap !== undefined);
  if (measured.length === 0) return;
  report.text(`Heap of ${label} after each row (MB, from its /metrics) and GC pauses during the row (warm-up included):`);
  report.table(
    ['endpoint', 'heap used', 'new', 'old', 'large objects', 'code', 'external', 'GC s', 'GC % of row', 'GC s by kind'],
    measured.map(({ result, heap }) => [
      result.endpoint, heap.usedMb, heap.newSpaceMb, heap.oldSpaceMb, heap.largeObjectMb, heap.codeMb, heap.externalMb,
      heap.gcSeconds.toFixed(2), `${((heap.gcSeconds / (settings.warmup + settings.duration)) * 100).toFixed(1)}`,
      Object.entries(heap.gcByKind).filter(([, s]) => s > 0).map(([k, s]) => `${k} ${s.toFixed(2)}`).join(', '),
    ]),
  );
}

/** Seeds the target once, then measures every cache variant on that data, each on a freshly started system. */
async function runTarget(target: Target, load: LoadSettings, rows: Row[], report: Report): Promise<boolean> {
  let system: NodeProcess | undefined;
  let valid = true;
  try {
    let seeded: Seeded | undefined;
    for (const [i, cache] of settings.cache.entries()) {
      const label = settings.cache.length > 1 ? `${target.name}, cache ${cache ? 'on' : 'off'}` : target.name;
      if (!seeded) {
        // A new database's start skips initdb and the migrations when this machine keeps a migrated base for every service.
        const baseKept = target.name === 'pglite' ? keptEmbeddedBase(allServices) !== undefined : undefined;
        const started = await startSystemProcess(target, cache);
        system = started.system;
        process.stderr.write(`${target.name}: ready in ${Math.round(started.readyMs)} ms at ${system.url}; seeding\n`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const freshRss = await rssMb(system.child.pid);
        seeded = await seed(system.url);
        const sanity = await sanityCheck(system.url, seeded);
        const rate = (n: number, ms: number) => `${n} in ${(ms / 1000).toFixed(1)} s (${Math.round((n * 1000) / ms)}/s)`;
        report.facts({
          target: target.name,
          database: target.describe,
          'ready after spawn (fresh database)': `${Math.round(started.readyMs)} ms${
            baseKept === undefined ? '' : baseKept ? ' (from the migrated base kept on this machine)' : " (no base on this machine yet: this start had a child process make it, once)"
          }`,
          'resident memory 1 s after ready (fresh database)': `${freshRss ?? '?'} MB`,
          'seeded users': rate(settings.users, seeded.ms.users),
          'seeded follows': rate(settings.users * Math.min(settings.follows, settings.users - 1), seeded.ms.follows),
          'seeded articles': rate(settings.articles, seeded.ms.articles),
          'resident memory after seeding': `${(await rssMb(system.child.pid)) ?? '?'} MB`,
          'sanity check': sanity,
        });
        // Seeding leaves background work behind (outbox relay, fan-out jobs, write-behind); every
        // variant is measured on a freshly started process, so none inherits it.
        valid = (await stopSystemProcess(system, `${label} (seeding)`, report)) && valid;
        system = undefined;
        await dropSharedCache(target, report);
      }
      // With --profile the measured process runs under the CPU profiler; its profile is cut per row after it exits.
      const profileDir = profiling ? join(REPO_ROOT, 'reports', 'profiles', `${target.name}-cache-${cache ? 'on' : 'off'}-${Date.now()}`) : undefined;
      if (profileDir) await mkdir(profileDir, { recursive: true });
      const started = await startSystemProcess(target, cache, profileDir);
      system = started.system;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      process.stderr.write(`${label}: ready in ${Math.round(started.readyMs)} ms on the seeded data\n`);
      report.facts({ [`${label}: resident memory 1 s after ready (seeded data)`]: `${(await rssMb(system.child.pid)) ?? '?'} MB` });
      const before = rows.length;
      const warmStarted = performance.now();
      await warmSampled(system.url, seeded);
      process.stderr.write(`${label}: every sampled article, feed and signed-in list read once (${Math.round(performance.now() - warmStarted)} ms)\n`);
      await measureAll(label, endpoints(system.url, seeded), load, rows, { pid: system.child.pid, metricsUrl: system.url, profile: profileDir !== undefined });
      valid = (await stopSystemProcess(system, label, report)) && valid;
      if (profileDir) {
        reportHeap(label, rows.slice(before), report);
        await writeProfiles(profileDir, rows.slice(before), report);
      }
      if (i < settings.cache.length - 1) system = undefined;
    }
    return valid;
  } catch (err) {
    report.text(`**${target.name} failed:** ${(err as Error).message}\n\n\`\`\`\n${system?.output().slice(-3000) ?? ''}\n\`\`\``);
    return false;
  } finally {
    if (system && !system.hasExited()) await system.stop('SIGKILL');
    await target.cleanup().catch((err: unknown) => process.stderr.write(`cleanup of ${target.name} failed: ${String(err)}\n`));
    // The target's database is gone: so are the ids its keys (timelines, cache, bus streams) refer to.
    const redis = targetRedis(target);
    if (redis) await dropRedisKeys(redis.url, `${redis.prefix}:*`).catch((err: unknown) => process.stderr.write(`cleanup of ${redis.prefix}:* failed: ${String(err)}\n`));
  }
}

export const benchmark: Benchmark = {
  name: 'realworld',
  description: 'Conduit API (list, get, feed, create) on PGlite and Postgres vs a bare Fastify hello world',
  async run(report) {
    const load: LoadSettings = { connections: settings.connections, durationSeconds: settings.duration, warmupSeconds: settings.warmup };
    report.text(`## realworld — ${new Date().toISOString()}`);
    report.facts({
      ...machine(),
      load: `autocannon, ${load.connections} connections, ${load.warmupSeconds} s warm-up + ${load.durationSeconds} s per endpoint, in the bench process`,
      systems: `each a child process: \`node ${benchSystemNodeArgs().map((a) => `${a} `).join('')}${process.env['SCALESTACK_CLI_ENTRY'] ?? 'src/cli/main.ts'} start\` (LOG_LEVEL=warn, argon2 1 MiB t=1, RATE_LIMIT_ENABLED=false${
        Object.entries(benchSystemEnv()).map(([k, v]) => `, ${k}=${v}`).join('')}, otherwise defaults)`,
      cache: settings.cache.map((c) => (c ? 'CACHE_ENABLED=true (default: in-process L1)' : 'CACHE_ENABLED=false')).join(', then ') + ', on the same seeded data',
      data: `${settings.users} users, ${settings.articles} articles (2-4 tags of ${TAGS.length}), each user follows ${settings.follows} others; seeded over HTTP, ${settings.seedConcurrency} in flight`,
      baseline: 'bare Fastify hello world (bench/baselines/fastify-hello.ts), measured before and after the targets',
    });

    const rows: Row[] = [];
    let valid = true;
    await helloWorld(load, rows, 'hello (before)');

    for (const name of settings.targets) {
      if (name !== 'pglite' && name !== 'postgres' && name !== 'postgres+redis') {
        report.text(`skipped unknown target "${name}" (BENCH_TARGETS takes pglite, postgres and postgres+redis)`);
        continue;
      }
      const target = name === 'pglite' ? await pgliteTarget() : await postgresTarget(name === 'postgres+redis' ? TEST_REDIS_URL : undefined);
      if (typeof target === 'string') {
        report.text(`**skipped ${name}:** ${target}`);
        continue;
      }
      valid = (await runTarget(target, load, rows, report)) && valid;
    }

    await helloWorld(load, rows, 'hello (after)');

    const hellos = rows.filter((r) => r.target.startsWith('hello')).map((r) => r.result.reqPerSec);
    const helloRps = hellos.reduce((a, b) => a + b, 0) / hellos.length;
    report.table(
      ['target', 'endpoint', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs hello', 'RSS MB', 'cache misses (reloads)', 'event loop max ms', 'CPU µs/req'],
      rows.map(({ target, result, rssMb, cache, loopMaxMs, cpuUs }) => [
        target,
        result.endpoint,
        Math.round(result.reqPerSec),
        ms(result.p50),
        ms(result.p99),
        result.errors,
        `${(result.reqPerSec / helloRps).toFixed(3)}`,
        rssMb ?? '-',
        cache ? `${cache.misses} (${cache.reloads})` : '-',
        loopMaxMs !== undefined ? loopMaxMs.toFixed(1) : '-',
        cpuUs !== undefined ? Math.round(cpuUs) : '-',
      ]),
    );
    const drift = hellos.length === 2 ? Math.abs(hellos[0]! - hellos[1]!) / helloRps : 0;
    report.text(
      `"vs hello" is req/s divided by the mean hello-world req/s of this run (${Math.round(helloRps)}); ` +
        `the two hello runs differ by ${(drift * 100).toFixed(1)}%, a measure of this machine's noise during the run.` +
        (drift > 0.15 ? ' **The machine was noisy: compare ratios with care.**' : ''),
    );
    report.text(
      '"CPU µs/req" is the measured process\'s CPU time (user + system) over the row, warm-up and background work ' +
        '(view flushes, folds) included, divided by the requests it answered: what a request costs. Compare it between runs with care too: on a ' +
        'contended host it rose by 40-65% on every row (docs/perf/results.md, 2026-12-07).',
    );

    // Signed in vs anonymous, per target and endpoint, from this same run (issue 21's measure).
    for (const row of rows.filter((r) => r.result.endpoint.endsWith(', signed in'))) {
      const anonymous = rows.find((r) => r.target === row.target && r.result.endpoint === row.result.endpoint.slice(0, -', signed in'.length));
      if (anonymous) report.text(`${row.target} ${row.result.endpoint}: ${((row.result.reqPerSec / anonymous.result.reqPerSec) * 100).toFixed(0)}% of anonymous`);
    }

    // A read row that missed much is not measuring the cache-speed read it names: say so next to its figures.
    const missed = rows.filter(
      (r): r is Row & { cache: NonNullable<Row['cache']> } => r.cache !== undefined && r.result.endpoint.startsWith('GET ') && r.cache.misses > r.result.requests / 100,
    );
    if (missed.length > 0) {
      report.text(
        `**Read rows that missed on more than 1% of their requests:** ${missed
          .map(({ target, result, cache }) => `${target} ${result.endpoint} (${cache.misses} misses, its warm-up included; ${result.requests} requests measured)`)
          .join('; ')}. The usual cause: the warm-up loads every sampled key within seconds, so they expire together a TTL later ` +
          '(CACHE_TTL_ARTICLE_S, 60 s by default, shortened by up to CACHE_TTL_JITTER), and a row that runs then pays their reloads, which the rows before it did not.',
      );
    }

    const errors = rows.filter((r) => r.result.errors > 0);
    for (const { target, result } of errors) {
      report.text(`**errors** ${target} ${result.endpoint}: ${JSON.stringify(result.failures.statuses)}; first: ${result.failures.sample ?? '(socket errors or timeouts)'}`);
    }
    return valid && errors.length === 0;
  },
};
