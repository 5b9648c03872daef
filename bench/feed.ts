/**
 * The home feed under pull, push and hybrid, side by side in one run on one
 * seeded graph (bulk seed: BENCH_FEED_USERS users with a power-law follow
 * graph whose top author has BENCH_FEED_TOP followers), on Postgres + Redis.
 * For each strategy: the DeathStarBench mix (60% home feed, 30% an author's
 * articles, 10% posts) at a fixed arrival rate, then posts by the top author.
 *
 * Settings (env): BENCH_FEED_USERS (100000), BENCH_FEED_ARTICLES (50000),
 * BENCH_FEED_TOP (50000), BENCH_FEED_READERS (2000: users whose timelines are
 * warm and who send the load), BENCH_FEED_ACTIVE (0.2: share of users who read
 * recently, and so get fan-out), BENCH_FEED_RATE (150 req/s), BENCH_DURATION
 * (20 s), BENCH_FEED_CELEB_POSTS (100), BENCH_FEED_THRESHOLD (10000),
 * BENCH_FEED_STRATEGIES (pull,push,hybrid), TEST_DATABASE_URL, TEST_REDIS_URL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad } from '../src/loadgen/run.js';
import { loadSeed } from '../src/loadgen/seed/seed-data.js';
import { spawnCli, spawnScript } from '../src/testing/cli-process.js';
import { dbTargets } from '../src/testing/db-targets.js';
import type { Benchmark } from './lib/benchmark.js';
import { forEachBounded } from './lib/pool.js';
import { quantile, scrape, total } from './lib/prom.js';
import { machine, markdownTable, type Report } from './lib/report.js';
import { TEST_REDIS_URL as REDIS_URL } from '../src/testing/redis-probe.js';

const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const settings = {
  users: num('BENCH_FEED_USERS', 100_000),
  articles: num('BENCH_FEED_ARTICLES', 50_000),
  top: num('BENCH_FEED_TOP', 50_000),
  readers: num('BENCH_FEED_READERS', 2000),
  active: num('BENCH_FEED_ACTIVE', 0.2),
  rate: num('BENCH_FEED_RATE', 150),
  seconds: num('BENCH_DURATION', 20),
  celebPosts: num('BENCH_FEED_CELEB_POSTS', 100),
  threshold: num('BENCH_FEED_THRESHOLD', 10_000),
  strategies: (process.env['BENCH_FEED_STRATEGIES'] ?? 'pull,push,hybrid').split(',').map((s) => s.trim()),
};
const ms = (seconds: number) => (Number.isFinite(seconds) ? (seconds * 1000).toFixed(1) : '-');

interface Row {
  strategy: string;
  feedP50: number;
  feedP99: number;
  authorP99: number;
  postP99: number;
  writesPerPost: number;
  lagP99: number;
  celebP99: number;
  celebWritesPerPost: number;
  celebLagP99: number;
  errors: number;
}

async function measureStrategy(strategy: string, env: Record<string, string>, seedFile: string): Promise<Row> {
  const system = await spawnCli({ env: { ...env, FEED_STRATEGY: strategy, CACHE_PREFIX: `bench-feed-${randomBytes(4).toString('hex')}` } });
  try {
    await system.waitReady('/readyz', 120_000);
    const seed = await loadSeed(seedFile);
    // Every load user reads once: their timelines exist (push/hybrid) before the clock starts.
    await forEachBounded(seed.users.length, 16, async (i) => {
      const res = await fetch(`${system.url}/api/articles/feed?limit=20`, { headers: { authorization: `Token ${seed.users[i]!.token}` } });
      await res.arrayBuffer();
    });
    const before = await scrape(system.url);
    const load = await runLoad({
      scenario: 'social', target: system.url, seedFile, path: '/', randomSeed: 7, live: null,
      stages: [{ kind: 'steady', durationMs: settings.seconds * 1000, fromRate: settings.rate, toRate: settings.rate }],
      arrival: 'constant', connections: 64, timeoutMs: 30_000, thresholds: [],
    });
    await new Promise((r) => setTimeout(r, 3000)); // let the last fan-outs finish
    const afterMix = await scrape(system.url);

    // The top author posts at 10/s; each POST is timed on its own.
    const top = [...seed.users].sort((a, b) => b.followers - a.followers)[0]!;
    const celebLatencies: number[] = [];
    for (let i = 0; i < settings.celebPosts; i++) {
      const t0 = performance.now();
      const res = await fetch(`${system.url}/api/articles`, {
        method: 'POST',
        headers: { authorization: `Token ${top.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ article: { title: `celebrity ${strategy} ${i}`, description: 'd', body: 'b' } }),
      });
      await res.arrayBuffer();
      celebLatencies.push(performance.now() - t0);
      if (res.status !== 201) throw new Error(`celebrity post -> ${res.status}`);
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (performance.now() - t0))));
    }
    await new Promise((r) => setTimeout(r, 5000));
    const afterCeleb = await scrape(system.url);

    const label = `strategy="${strategy}"`;
    const posts = load.byType['post']?.completed ?? 0;
    celebLatencies.sort((a, b) => a - b);
    return {
      strategy,
      feedP50: load.byType['feed']?.latency.p50 ?? NaN,
      feedP99: load.byType['feed']?.latency.p99 ?? NaN,
      authorP99: load.byType['author-articles']?.latency.p99 ?? NaN,
      postP99: load.byType['post']?.latency.p99 ?? NaN,
      writesPerPost: posts ? (total(afterMix, 'feed_timeline_writes_total', label) - total(before, 'feed_timeline_writes_total', label)) / posts : 0,
      lagP99: quantile(before, afterMix, 'feed_fanout_lag_seconds', 0.99, label),
      celebP99: celebLatencies[Math.min(celebLatencies.length - 1, Math.floor(celebLatencies.length * 0.99))] ?? NaN,
      celebWritesPerPost: (total(afterCeleb, 'feed_timeline_writes_total', label) - total(afterMix, 'feed_timeline_writes_total', label)) / settings.celebPosts,
      celebLagP99: quantile(afterMix, afterCeleb, 'feed_fanout_lag_seconds', 0.99, label),
      errors: load.summary.errors,
    };
  } finally {
    await system.stop();
  }
}

export const benchmark: Benchmark = {
  name: 'feed',
  description: 'home feed: pull vs push vs hybrid on a power-law graph (DeathStarBench mix + celebrity posts), Postgres + Redis',
  async run(report: Report): Promise<boolean> {
    const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
    if (postgres.options.skip) {
      report.text(`**skipped:** ${postgres.options.skip}`);
      return false;
    }
    const databaseUrl = (await postgres.create())!;
    const dir = await mkdtemp(join(tmpdir(), 'scalestack-feed-bench-'));
    const seedFile = join(dir, 'seed.json');
    const env = {
      DATABASE_URL: databaseUrl, REDIS_URL, JWT_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false', FEED_CELEBRITY_THRESHOLD: String(settings.threshold), ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1',
    };
    try {
      report.text(`**machine:** ${Object.entries(machine()).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      const seeding = await spawnScript('src/cli/main.ts', ['seed', '--bulk', '--users', String(settings.users), '--articles', String(settings.articles),
        '--top-followers', String(settings.top), '--active', String(settings.active), '--sample', String(settings.readers), '--out', seedFile], { env, echo: true });
      const exit = await seeding.exited;
      if (exit.code !== 0) throw new Error(`seed --bulk failed:\n${seeding.output()}`);
      report.text(`**data:** ${seeding.output().trim().split('\n').at(-1)}`);
      report.text(`**ran:** each strategy on the same data, fresh Redis keys; ${settings.readers} warm readers send the social mix at ${settings.rate} req/s for ${settings.seconds} s (open model), then the top author posts ${settings.celebPosts} times at 10/s. Celebrity threshold ${settings.threshold}; fan-out only to the ${Math.round(settings.active * 100)}% of users who read recently and have a timeline.`);

      const rows: Row[] = [];
      for (const strategy of settings.strategies) {
        process.stderr.write(`feed bench: ${strategy}...\n`);
        rows.push(await measureStrategy(strategy, env, seedFile));
      }
      report.text(markdownTable(
        ['strategy', 'feed p50 ms', 'feed p99 ms', 'author list p99 ms', 'post p99 ms', 'timeline writes / post', 'fan-out lag p99 ms', 'celebrity post p99 ms', 'writes / celebrity post', 'celebrity fan-out lag p99 ms', 'errors'],
        rows.map((r) => [r.strategy, r.feedP50.toFixed(1), r.feedP99.toFixed(1), r.authorP99.toFixed(1), r.postP99.toFixed(1), r.writesPerPost.toFixed(1), ms(r.lagP99),
          r.celebP99.toFixed(1), r.celebWritesPerPost.toFixed(1), ms(r.celebLagP99), r.errors]),
      ));
      const push = rows.find((r) => r.strategy === 'push');
      const hybrid = rows.find((r) => r.strategy === 'hybrid');
      if (push && hybrid) {
        const ratio = hybrid.feedP99 / push.feedP99;
        report.text(`**hybrid vs push:** feed read p99 ratio ${ratio.toFixed(2)} (goal ≤ 1.5); timeline writes per celebrity post ${hybrid.celebWritesPerPost.toFixed(1)} vs ${push.celebWritesPerPost.toFixed(1)} (goal ≤ ${settings.threshold}); hybrid celebrity post p99 ${hybrid.celebP99.toFixed(1)} ms (goal < 100 ms).`);
      }
      return rows.every((r) => r.errors === 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await postgres.drop(databaseUrl);
    }
  },
};
