/**
 * What the cache buys, measured side by side in one run: Zipf (s = 1.0)
 * reads of single articles over 10,000 articles, and the first page of
 * GET /api/articles, with the cache on and off, next to a bare Fastify
 * hello world measured the same way (10 connections each) right before and
 * right after each row (the machine drifts); and the same
 * without the near cache. Embedded (near + L1, PGlite) and Postgres + Redis
 * (near + L1 + L2).
 *
 * Settings (env): BENCH_DURATION (s per measurement, 10), BENCH_WARMUP (s, 2),
 * BENCH_CACHE_WARM (s of unmeasured Zipf reads before the measured ones, 20),
 * BENCH_CONNECTIONS (10), BENCH_CACHE_ARTICLES (10000), BENCH_TARGETS
 * (pglite,postgres), TEST_DATABASE_URL, TEST_REDIS_URL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipf, prng } from '../src/loadgen/random.js';
import { loadSeed } from '../src/loadgen/seed/seed-data.js';
import { spawnCli, spawnScript } from '../src/testing/cli-process.js';
import { dbTargets } from '../src/testing/db-targets.js';
import type { Benchmark } from './lib/benchmark.js';
import { measure, type LoadResult } from './lib/load.js';
import { increase, scrape } from './lib/prom.js';
import { machine, markdownTable, type Report } from './lib/report.js';
import { TEST_REDIS_URL as REDIS_URL } from '../src/testing/redis-probe.js';

const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const load = { connections: num('BENCH_CONNECTIONS', 10), durationSeconds: num('BENCH_DURATION', 10), warmupSeconds: num('BENCH_WARMUP', 2) };
const ARTICLES = num('BENCH_CACHE_ARTICLES', 10_000);
const TARGETS = (process.env['BENCH_TARGETS'] ?? 'pglite,postgres').split(',').map((t) => t.trim());
// Long enough for the Zipf tail to be seen once: the hit ratio and throughput are the steady state's.
const WARM_SECONDS = num('BENCH_CACHE_WARM', 20);
/** Each system is measured three ways: the default, without the near cache (ADR 0014), and with no cache at all. */
const MODES = {
  'cache on': { CACHE_ENABLED: 'true' },
  'cache on, no near cache': { CACHE_ENABLED: 'true', CACHE_NEAR_ENABLED: 'false' },
  'cache off': { CACHE_ENABLED: 'false' },
} as const;

interface Row {
  setup: string;
  endpoint: string;
  result: LoadResult;
  hitRatio: number | null;
  /** Hello world's req/s around this row: the mean of the measurements just before and just after it. */
  hello: number;
}

type HelloWorld = Awaited<ReturnType<typeof helloWorld>>;

async function measureSystem(setup: string, env: Record<string, string>, slugs: string[], hello: HelloWorld, rows: Row[]): Promise<void> {
  const system = await spawnCli({ env });
  try {
    await system.waitReady('/readyz', 120_000);
    const pick = zipf(slugs.length, 1, prng(11));
    const zipfReads = { endpoint: 'GET /api/articles/:slug (Zipf)', url: system.url, path: `/api/articles/${slugs[0]}`, next: () => ({ path: `/api/articles/${slugs[pick()]}` }) };
    // An unmeasured pass first: the hit ratio is the steady state's, not the cold start's.
    await measure(zipfReads, { ...load, durationSeconds: WARM_SECONDS, warmupSeconds: 0 });
    // Hello world right before and right after each row (the system idles meanwhile): the machine's speed drifts.
    const helloBefore = await hello.measure();
    const before = await scrape(system.url);
    const single = await measure(zipfReads, { ...load, warmupSeconds: 0 });
    const after = await scrape(system.url);
    const helloBetween = await hello.measure();
    const hits = increase(before, after, 'cache_hits_total', 'cache="article"');
    const misses = increase(before, after, 'cache_misses_total', 'cache="article"');
    rows.push({ setup, endpoint: single.endpoint, result: single, hitRatio: hits + misses > 0 ? hits / (hits + misses) : null, hello: (helloBefore + helloBetween) / 2 });
    const list = await measure({ endpoint: 'GET /api/articles', url: system.url, path: '/api/articles' }, load);
    const helloAfter = await hello.measure();
    rows.push({ setup, endpoint: list.endpoint, result: list, hitRatio: null, hello: (helloBetween + helloAfter) / 2 });
  } finally {
    await system.stop();
  }
}

/**
 * The bare Fastify hello world, one process for the whole run, measured
 * right before and after every row: on a shared machine its throughput
 * drifts by ±20% over minutes, so each row is compared with the hello world
 * measured around it, not with one taken minutes away.
 */
async function helloWorld() {
  const hello = await spawnScript('bench/baselines/fastify-hello.ts', []);
  await hello.waitReady('/', 30_000);
  const results: LoadResult[] = [];
  return {
    results,
    measure: async () => {
      const result = await measure({ endpoint: 'GET / (bare Fastify)', url: hello.url, path: '/' }, load);
      results.push(result);
      return result.reqPerSec;
    },
    stop: () => hello.stop(),
  };
}

export const benchmark: Benchmark = {
  name: 'cache',
  description: 'cache on vs off (and without the near cache): Zipf article reads over 10,000 articles and the article list, next to a bare Fastify hello world',
  async run(report: Report): Promise<boolean> {
    report.text(`**machine:** ${Object.entries(machine()).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    report.text(`**ran:** autocannon, ${load.connections} connections, ${load.durationSeconds} s (+${load.warmupSeconds} s warm-up) per row; slugs drawn Zipf(s=1.0) over ${ARTICLES} articles; each system a separate process (\`scalestack start\`), rate limiting off.`);
    const rows: Row[] = [];
    const hello = await helloWorld();
    try {
      const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
      for (const target of TARGETS) {
        const dir = await mkdtemp(join(tmpdir(), 'scalestack-cache-bench-'));
        const databaseUrl = target === 'postgres' ? await postgres.create() : undefined;
        try {
          const base = {
            ...(databaseUrl ? { DATABASE_URL: databaseUrl, REDIS_URL, CACHE_PREFIX: `bench-cache-${randomBytes(4).toString('hex')}` } : { DATA_DIR: dir }),
            JWT_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false',
          };
          const seedFile = join(dir, 'seed.json');
          const seeding = await spawnScript('src/cli/main.ts', ['seed', '--bulk', '--users', '1000', '--articles', String(ARTICLES), '--top-followers', '100', '--sample', '10', '--out', seedFile], { env: base });
          if ((await seeding.exited).code !== 0) throw new Error(`seed failed:\n${seeding.output()}`);
          const slugs = (await loadSeed(seedFile)).articles.map((a) => a.slug);
          const name = target === 'postgres' ? 'Postgres + Redis (near+L1+L2)' : 'embedded PGlite (near+L1)';
          for (const [mode, env] of Object.entries(MODES)) {
            process.stderr.write(`cache bench: ${name}, ${mode}\n`);
            await measureSystem(`${name}, ${mode}`, { ...base, ...env }, slugs, hello, rows);
          }
        } finally {
          await rm(dir, { recursive: true, force: true });
          if (databaseUrl) await postgres.drop(databaseUrl);
        }
      }
    } finally {
      await hello.stop();
    }
    report.text(markdownTable(
      ['setup', 'endpoint', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'hit ratio', 'hello req/s around it', 'vs hello'],
      rows.map((r) => [r.setup, r.endpoint, r.result.reqPerSec.toFixed(0), r.result.p50.toFixed(2), r.result.p99.toFixed(2), r.result.errors,
        r.hitRatio === null ? '-' : `${(r.hitRatio * 100).toFixed(1)}%`, r.hello.toFixed(0), (r.result.reqPerSec / r.hello).toFixed(3)]),
    ));
    const helloRuns = hello.results.map((r) => r.reqPerSec.toFixed(0)).join(', ');
    report.text(`**bare Fastify hello world** (GET /, the same load), measured around every row, in order: ${helloRuns} req/s; errors ${hello.results.reduce((n, r) => n + r.errors, 0)}.`);
    const lines: string[] = [];
    for (const setup of new Set(rows.map((r) => r.setup.slice(0, r.setup.lastIndexOf(', '))))) {
      for (const endpoint of new Set(rows.map((r) => r.endpoint))) {
        const row = (mode: keyof typeof MODES) => rows.find((r) => r.setup === `${setup}, ${mode}` && r.endpoint === endpoint)?.result;
        const on = row('cache on');
        for (const baseline of ['cache off', 'cache on, no near cache'] as const) {
          const other = row(baseline);
          if (on && other) lines.push(`- ${setup}, ${endpoint}: cache on vs ${baseline}: throughput ×${(on.reqPerSec / other.reqPerSec).toFixed(2)}, p99 ${other.p99.toFixed(1)} → ${on.p99.toFixed(1)} ms`);
        }
      }
    }
    report.text(`**what the cache buys** (goals with the cache on: slug ≥ 20% of the hello world around it, list ≥ 10%, hit ratio ≥ 80%):\n${lines.join('\n')}`);
    return rows.every((r) => r.result.errors === 0) && hello.results.every((r) => r.errors === 0);
  },
};
