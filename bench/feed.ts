/**
 * The home feed under pull, push and hybrid, side by side in one run, on
 * Postgres + Redis. One bulk seed (BENCH_FEED_USERS users with a power-law
 * follow graph whose top author has BENCH_FEED_TOP followers) is cloned into
 * a fresh database for each strategy, which also gets a fresh Redis prefix.
 *
 * Per strategy: every active reader (read within FEED_INACTIVE_DAYS) reads
 * their feed once, so each has a built timeline, as in a system that has been
 * running; then the DeathStarBench mix (60% home feed, 30% an author's
 * articles, 10% posts) at a fixed arrival rate, first unmeasured until the
 * system's first mark-compact under it (settling, at most
 * BENCH_FEED_SETTLE_MAX_S), then measured; then BENCH_FEED_CELEB_POSTS
 * posts by the top author at 10/s. Fan-out lag is one sample per delivered
 * chunk (feed_fanout_chunk_lag_seconds) plus, at the end of each phase, one
 * per chunk not yet delivered, with lag = end − publish time. Write costs are
 * read after the fan-out drained (bounded by BENCH_FEED_DRAIN_S).
 *
 * Settings (env): BENCH_FEED_SCALE (1: multiplies users, articles, top,
 * readers and the celebrity threshold, for a shorter run of the same shape),
 * BENCH_FEED_USERS (100000), BENCH_FEED_ARTICLES (50000), BENCH_FEED_TOP
 * (50000), BENCH_FEED_READERS (2000: users who send the load), BENCH_FEED_ACTIVE
 * (0.2: share of users who read recently, and so get fan-out), BENCH_FEED_RATE
 * (150 req/s), BENCH_DURATION (20 s), BENCH_FEED_CELEB_POSTS (100),
 * BENCH_FEED_THRESHOLD (10000), BENCH_FEED_DRAIN_S (120), BENCH_FEED_SETTLE_MAX_S (150),
 * BENCH_FEED_STRATEGIES (pull,push,hybrid), BENCH_SYSTEM_ENV (the system's own settings, e.g.
 * CACHE_REFRESH_AHEAD=0.8), BENCH_SYSTEM_NODE_ARGS (its node flags, e.g. --trace-gc), TEST_DATABASE_URL, TEST_REDIS_URL.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { LatencySummary } from '../src/loadgen/histogram.js';
import { isTimeout } from '../src/loadgen/recorder.js';
import { loadSeed } from '../src/loadgen/seed/seed-data.js';
import { createTokenService } from '../src/platform/auth/tokens.js';
import { REPO_ROOT, spawnCli, spawnScript } from '../src/testing/cli-process.js';
import { monotonicUs, profileNodeArgs, profiling, reportProfiles } from './lib/profile.js';
import { ADMIN_DATABASE_URL, dbTargets } from '../src/testing/db-targets.js';
import type { Benchmark } from './lib/benchmark.js';
import { unfinishedLags, type DueChunk } from './lib/fanout-chunks.js';
import { FeedProbe, type Post } from './lib/feed-probe.js';
import { forEachBounded } from './lib/pool.js';
import { LoadWorker } from './lib/load-on-worker.js';
import { benchSystemEnv, benchSystemNodeArgs, systemNodeOptions } from './lib/system-env.js';
import { count, increase, increaseByLabel, quantileWith, scrape, shareWithin, type Scrape } from './lib/prom.js';
import { gcPauses, type GcPauses } from './lib/heap.js';
import { machine, markdownTable, type Report } from './lib/report.js';
import { TEST_REDIS_URL as REDIS_URL } from '../src/testing/redis-probe.js';

const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const scale = num('BENCH_FEED_SCALE', 1);
const scaled = (name: string, full: number, min = 1) => num(name, Math.max(min, Math.round(full * scale)));
const settings = {
  scale,
  users: scaled('BENCH_FEED_USERS', 100_000, 100),
  articles: scaled('BENCH_FEED_ARTICLES', 50_000),
  top: scaled('BENCH_FEED_TOP', 50_000),
  readers: scaled('BENCH_FEED_READERS', 2000, 50),
  threshold: scaled('BENCH_FEED_THRESHOLD', 10_000),
  active: num('BENCH_FEED_ACTIVE', 0.2),
  rate: num('BENCH_FEED_RATE', 150),
  seconds: num('BENCH_DURATION', 20),
  celebPosts: num('BENCH_FEED_CELEB_POSTS', 100),
  drainSeconds: num('BENCH_FEED_DRAIN_S', 120),
  /** At most this long of the mix before the measured phases, waiting for the system's first mark-compact under it. */
  settleMaxSeconds: num('BENCH_FEED_SETTLE_MAX_S', 150),
  strategies: (process.env['BENCH_FEED_STRATEGIES'] ?? 'pull,push,hybrid').split(',').map((s) => s.trim()),
  // The system's defaults, set explicitly so the benchmark's expectations match what it runs.
  activeDays: 30,
  chunk: 1000,
};
const LAG = 'feed_fanout_chunk_lag_seconds';
/** The system's own request histogram: what it took the server to answer, without the network or the load generator. */
const SERVED = 'http_request_duration_seconds';
const FEED_ROUTE = 'route="/api/articles/feed"';
const WRITES = 'feed_timeline_writes_total';
const ms = (seconds: number) => (Number.isFinite(seconds) ? (seconds * 1000).toFixed(1) : '-');
const sleep = (n: number) => new Promise((r) => setTimeout(r, n));

/** One phase's fan-out, counted to the end: chunks due, delivered by the end, unfinished, and the lag over all of them. */
interface Fanout {
  posts: number;
  dueChunks: number;
  unfinished: number;
  lagP99: number;
  /** Timeline writes per post once the fan-out drained (or the drain wait ran out). */
  writesPerPost: number;
  /** Active followers per post (what a complete fan-out writes). */
  followersPerPost: number;
  /** Chunks still undelivered when the drain wait ran out. */
  undrained: number;
}

interface Row {
  strategy: string;
  warm: string;
  feedP50: number;
  feedP99: number;
  /** Of the phase's feed reads, the share the system answered within 10 ms by its own histogram (a bucket bound). */
  feedServed10: number;
  authorP99: number;
  postP99: number;
  due: number;
  timedOut: number;
  errors: number;
  mix: Fanout;
  celebP99: number;
  /** Feed reads while the top author posts (the mix's reads at its rate, for the length of their posts). */
  celebFeedP99: number;
  celebFeedServed10: number;
  /** Cache misses and refresh-ahead reloads in that phase, per feed read (what its reads waited on, and what it loaded early). */
  celebMissesPerRead: number;
  celebRefreshesPerRead: number;
  /** The same misses per feed read, by cache (article, viewer, list, profile...): which entries its reads waited on. */
  celebMissesByCache: Map<string, number>;
  celebDue: number;
  celebTimedOut: number;
  celeb: Fanout;
  /**
   * The system's GC pauses in each phase (from its start to its end scrape, before any drain). A read that arrives
   * during one waits it out, so one over 10 ms can put a read over the goal by itself: the feed p99 moves from run
   * to run with whether a mark-compact falls in the phase.
   */
  mixGc: GcPauses;
  celebGc: GcPauses;
  /** The unmeasured mix before the phases: how long, whether it ended on the system's first mark-compact (or at the cap), its requests. */
  settling: { seconds: number; marked: boolean; due: number; timedOut: number };
  /** How late the load generator sent each phase's requests (every latency includes it): tells its delay from the system's. */
  mixLateness: LatencySummary | undefined;
  celebLateness: LatencySummary | undefined;
  /** With --profile: where the system's CPU profile is, and the phases to cut it into. */
  profile?: { dir: string; windows: Array<{ name: string; fromUs: number; toUs: number }> };
}

/** Between two scrapes: cache misses and refresh-ahead reloads (every cache kind) per feed read the system served. */
function perFeedRead(a: Scrape, b: Scrape): Pick<Row, 'celebMissesPerRead' | 'celebRefreshesPerRead' | 'celebMissesByCache'> {
  const reads = count(a, b, SERVED, FEED_ROUTE);
  const per = (n: number) => (reads === 0 ? NaN : n / reads);
  const byCache = [...increaseByLabel(a, b, 'cache_misses_total', 'cache')].filter(([, n]) => n > 0).sort(([, x], [, y]) => y - x);
  return {
    celebMissesPerRead: per(increase(a, b, 'cache_misses_total')),
    celebRefreshesPerRead: per(increase(a, b, 'cache_refreshes_total')),
    celebMissesByCache: new Map(byCache.map(([cache, n]) => [cache, per(n)])),
  };
}

/**
 * The end of a phase: the posts it made and the chunks they owe (from the
 * database), then the end scrape, then which of those chunks the timelines do
 * not hold yet. Then waits (bounded) for the fan-out to drain, so the next
 * phase starts clean and write costs are complete.
 */
async function closePhase(probe: FeedProbe, url: string, label: string, before: Scrape, startedAt: number, lastPost: number): Promise<{ fanout: Fanout; atEnd: Scrape; drained: Scrape }> {
  const posts: Post[] = await probe.posts(startedAt, lastPost);
  const due = await probe.dueChunks(posts);
  const atEnd = await scrape(url);
  const endMs = Date.now();
  const { missing } = await probe.undelivered(due);
  const lags = unfinishedLags(due, missing, count(before, atEnd, LAG, label), endMs);
  let left: Set<DueChunk> = missing;
  for (const t0 = Date.now(); left.size > 0 && Date.now() - t0 < settings.drainSeconds * 1000; ) {
    await sleep(500);
    left = (await probe.undelivered([...left])).missing;
  }
  await sleep(500); // the last chunk's counter increments follow its write
  const drained = await scrape(url);
  const followers = due.reduce((n, c) => n + c.followers, 0);
  return {
    atEnd,
    drained,
    fanout: {
      posts: posts.length,
      dueChunks: due.length,
      unfinished: lags.length,
      lagP99: due.length === 0 ? NaN : quantileWith(before, atEnd, LAG, 0.99, lags, label),
      writesPerPost: posts.length === 0 ? 0 : increase(before, drained, WRITES, label) / posts.length,
      followersPerPost: posts.length === 0 ? 0 : followers / posts.length,
      undrained: left.size,
    },
  };
}

async function measureStrategy(strategy: string, env: Record<string, string>, seedFile: string, databaseUrl: string): Promise<Row> {
  const prefix = `bench-feed-${randomBytes(4).toString('hex')}`;
  const probe = await FeedProbe.open({
    databaseUrl, redisUrl: REDIS_URL, prefix, chunk: settings.chunk, activeDays: settings.activeDays,
    celebrityThreshold: strategy === 'pull' ? 0 : strategy === 'hybrid' ? settings.threshold : Infinity,
  });
  // --profile: the system runs under the CPU profiler; its profile is cut into the two phases after it exits.
  const profileDir = profiling ? join(REPO_ROOT, 'reports', 'profiles', `feed-${strategy}-${Date.now()}`) : undefined;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  const system = await spawnCli({
    ...systemNodeOptions(profileDir ? profileNodeArgs(profileDir) : []),
    env: { ...env, DATABASE_URL: databaseUrl, FEED_STRATEGY: strategy, CACHE_PREFIX: prefix },
  });
  const windows: Array<{ name: string; fromUs: number; toUs: number }> = [];
  // Every load of this strategy on one worker thread: its start-up runs beside the system's, and settling warms
  // the generator's code with the system's, so neither phase is timed by a cold generator.
  const loads = new LoadWorker();
  try {
    await system.waitReady('/readyz', 120_000);
    const seed = await loadSeed(seedFile);
    const label = `strategy="${strategy}"`;

    // Warm-up. push/hybrid: every active reader's timeline is built, as in a running system (fan-out only
    // writes into timelines that exist). pull keeps none: the load users read once, warming Postgres' cache.
    const t0 = performance.now();
    const memory0 = await probe.redisMemory();
    const tokens = createTokenService(env['JWT_SECRET']!, 86_400);
    const readers = strategy === 'pull' ? seed.users.map((u) => u.token) : await probe.activeReaders();
    let failed = 0;
    await forEachBounded(readers.length, 8, async (i) => {
      const reader = readers[i]!;
      const token = typeof reader === 'string' ? reader : await tokens.sign(reader);
      const res = await fetch(`${system.url}/api/articles/feed?limit=20`, { headers: { authorization: `Token ${token}` } });
      await res.arrayBuffer();
      if (res.status !== 200) failed++;
    });
    if (failed > 0) throw new Error(`warm-up: ${failed} of ${readers.length} feed reads failed`);
    const warm = strategy === 'pull'
      ? `${readers.length} load users read once`
      : `${readers.length} timelines built in ${((performance.now() - t0) / 1000).toFixed(0)} s (Redis +${((await probe.redisMemory()) - memory0) / 2 ** 20 | 0} MiB)`;
    process.stderr.write(`feed bench: ${strategy}: warm-up: ${warm}\n`);

    // On the worker thread: the generator's timing must not wait on this thread's posts, scrapes and heap.
    const mixLoad = (scenario: string, seconds: number, randomSeed: number, onStart?: () => void) => loads.run({
      scenario, target: system.url, seedFile, path: '/', randomSeed, live: false,
      stages: [{ kind: 'steady', durationMs: seconds * 1000, fromRate: settings.rate, toRate: settings.rate }],
      arrival: 'constant', connections: 64, timeoutMs: 30_000, thresholds: [],
    }, onStart);

    // Settling: the mix, unmeasured, until the system's first mark-compact under it. The warm-up's last
    // mark-compact set the old generation's limit for the warm-up's allocation rate, which leaves room for a
    // minute or more of the mix: phases measured right after it would see fewer mark-compacts than the steady
    // state (under this mix, one every 11-21 s with V8's own growing factor, every 72-102 s with the system's,
    // ADR 0047; docs/perf/results.md, 2026-12-06). Other random seeds than the measured mix's: settling must
    // not warm the very requests it measures.
    const settleStart = performance.now();
    const settleFrom = await scrape(system.url);
    const settleLoads: Awaited<ReturnType<typeof mixLoad>>[] = [];
    let marked = false;
    for (let slice = 0; ; slice++) {
      marked = gcPauses(settleFrom, await scrape(system.url)).majors > 0;
      if (marked || performance.now() - settleStart >= settings.settleMaxSeconds * 1000) break;
      settleLoads.push(await mixLoad('social', 5, 1000 + slice));
    }
    const settling = { seconds: (performance.now() - settleStart) / 1000, marked, due: 0, timedOut: 0 };
    for (const l of settleLoads) {
      settling.due += l.summary.due;
      settling.timedOut += l.summary.timedOut;
    }
    process.stderr.write(`feed bench: ${strategy}: settled in ${settling.seconds.toFixed(0)} s of the mix (${marked ? 'a mark-compact' : `no mark-compact within ${settings.settleMaxSeconds} s`})\n`);

    // The mix.
    const before = await scrape(system.url);
    const mixStart = Date.now();
    let fromUs = monotonicUs();
    const load = await mixLoad('social', settings.seconds, 7);
    windows.push({ name: `${strategy} the mix`, fromUs, toUs: monotonicUs() });
    const mix = await closePhase(probe, system.url, label, before, mixStart, Date.now());

    // The top author posts at 10/s, each POST timed on its own, while the mix's readers go on (issue 21: the
    // feed's p99 while the top author posts). Reads only, so every post (and fan-out write) of the phase is theirs.
    const top = [...seed.users].sort((a, b) => b.followers - a.followers)[0]!;
    const celebLatencies: number[] = [];
    // The posts begin when the readers' first requests are due, so the phase's reads and posts overlap throughout.
    let readsStarted = () => {};
    const reading = new Promise<void>((resolve) => (readsStarted = resolve));
    const during = mixLoad('social-reads', settings.celebPosts / 10, 8, readsStarted);
    await Promise.race([reading, during]);
    const celebStart = Date.now();
    fromUs = monotonicUs();
    for (let i = 0; i < settings.celebPosts; i++) {
      const t = performance.now();
      const res = await fetch(`${system.url}/api/articles`, {
        method: 'POST',
        headers: { authorization: `Token ${top.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ article: { title: `celebrity ${strategy} ${i}`, description: 'd', body: 'b' } }),
      });
      await res.arrayBuffer();
      celebLatencies.push(performance.now() - t);
      if (res.status !== 201) throw new Error(`celebrity post -> ${res.status}`);
      await sleep(Math.max(0, 100 - (performance.now() - t)));
    }
    const duringLoad = await during;
    windows.push({ name: `${strategy} reads while the top author posts`, fromUs, toUs: monotonicUs() });
    const celeb = await closePhase(probe, system.url, label, mix.drained, celebStart, Date.now());

    celebLatencies.sort((a, b) => a - b);
    // Settling's requests are not measured, but an error among them fails the run like any other.
    const errors = [...settleLoads, load, duringLoad].flatMap((l) => Object.entries(l.errorReasons)).filter(([reason]) => !isTimeout(reason)).reduce((n, [, v]) => n + v, 0);
    return {
      strategy,
      warm,
      feedP50: load.byType['feed']?.latency.p50 ?? NaN,
      feedP99: load.byType['feed']?.latency.p99 ?? NaN,
      feedServed10: shareWithin(before, mix.drained, SERVED, 0.01, FEED_ROUTE),
      authorP99: load.byType['author-articles']?.latency.p99 ?? NaN,
      postP99: load.byType['post']?.latency.p99 ?? NaN,
      due: load.summary.due,
      timedOut: load.summary.timedOut,
      errors,
      mix: mix.fanout,
      celebFeedP99: duringLoad.byType['feed']?.latency.p99 ?? NaN,
      celebFeedServed10: shareWithin(mix.drained, celeb.drained, SERVED, 0.01, FEED_ROUTE),
      ...perFeedRead(mix.drained, celeb.drained),
      mixGc: gcPauses(before, mix.atEnd),
      settling,
      celebGc: gcPauses(mix.drained, celeb.atEnd),
      mixLateness: load.summary.sendLateness,
      celebLateness: duringLoad.summary.sendLateness,
      celebDue: duringLoad.summary.due,
      celebTimedOut: duringLoad.summary.timedOut,
      celebP99: celebLatencies[Math.min(celebLatencies.length - 1, Math.floor(celebLatencies.length * 0.99))] ?? NaN,
      celeb: celeb.fanout,
      ...(profileDir ? { profile: { dir: profileDir, windows } } : {}),
    };
  } finally {
    await loads.close();
    await system.stop();
    await probe.deleteKeys().catch(() => 0);
    await probe.close();
  }
}

/** `create database <name> template <template>`: a fresh copy of the seeded data per strategy. */
async function cloneDatabase(templateUrl: string): Promise<string> {
  const template = new URL(templateUrl).pathname.slice(1);
  const name = `${template}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  const url = new URL(templateUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

const percent = (share: number) => (Number.isFinite(share) ? `${(share * 100).toFixed(1)}%` : '-');
const lagCell = (f: Fanout) => (f.dueChunks === 0 ? '-' : `${ms(f.lagP99)} (${f.unfinished}/${f.dueChunks} unfinished)`);

export const benchmark: Benchmark = {
  name: 'feed',
  description: 'home feed: pull vs push vs hybrid on a power-law graph (DeathStarBench mix + celebrity posts), Postgres + Redis',
  async run(report: Report): Promise<boolean> {
    const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
    if (postgres.options.skip) {
      report.text(`**skipped:** ${postgres.options.skip}`);
      return false;
    }
    const systemNodeArgs = benchSystemNodeArgs(); // a bad flag is refused here, not after minutes of seeding
    const templateUrl = (await postgres.create())!;
    const clones: string[] = [];
    const dir = await mkdtemp(join(tmpdir(), 'scalestack-feed-bench-'));
    const seedFile = join(dir, 'seed.json');
    const env = {
      DATABASE_URL: templateUrl, REDIS_URL, JWT_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false', FEED_CELEBRITY_THRESHOLD: String(settings.threshold), ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1',
      FEED_INACTIVE_DAYS: String(settings.activeDays), FEED_FANOUT_CHUNK: String(settings.chunk),
      ...benchSystemEnv(),
    };
    try {
      report.text(`**machine:** ${Object.entries(machine()).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      const seeding = await spawnScript('src/cli/main.ts', ['seed', '--bulk', '--users', String(settings.users), '--articles', String(settings.articles),
        '--top-followers', String(settings.top), '--active', String(settings.active), '--sample', String(settings.readers), '--out', seedFile], { env, echo: true });
      const exit = await seeding.exited;
      if (exit.code !== 0) throw new Error(`seed --bulk failed:\n${seeding.output()}`);
      report.text(`**data (scale ${settings.scale}):** ${seeding.output().trim().split('\n').at(-1)}`);
      // The seed analyzed what it wrote; the clones copy those statistics (pg_statistic), not the activity counters
      // that would bring autovacuum's analyze, so every strategy plans on the same statistics from its first query.
      report.text(`**ran:** each strategy on its own copy of the seeded database and its own Redis prefix. Warm-up: under push and hybrid every active reader (read within ${settings.activeDays} days) reads their feed once, so every one has a built timeline; under pull the ${settings.readers} load users read once. Then those ${settings.readers} users send the social mix at ${settings.rate} req/s, unmeasured until the system's first mark-compact under it (settling: the warm-up's heap limit gone, at most ${settings.settleMaxSeconds} s; its errors count with the run's), then measured for ${settings.seconds} s (open model; unsent or unanswered at the end count as timed out), then the top author posts ${settings.celebPosts} times at 10/s while the mix's reads go on at the same rate (scenario social-reads). Celebrity threshold ${settings.threshold}; fan-out chunks of ${settings.chunk}. Fan-out lag: one sample per delivered chunk plus one per chunk still undelivered at the end of the phase (lag = end − publish); writes per post counted after the fan-out drained (≤ ${settings.drainSeconds} s). Served ≤ 10 ms: of the phase's feed reads, the share the system's own histogram (${SERVED}) has within 10 ms, one of its bucket bounds: the server's part of the p99 goal, without the network and the load generator.${
        process.env['BENCH_SYSTEM_ENV'] ? ` System settings (BENCH_SYSTEM_ENV): ${Object.entries(benchSystemEnv()).map(([k, v]) => `${k}=${v}`).join(', ')}.` : ''}${
        systemNodeArgs.length > 0 ? ` The system's node flags (BENCH_SYSTEM_NODE_ARGS): ${systemNodeArgs.join(' ')}.` : ''}`);

      const rows: Row[] = [];
      for (const strategy of settings.strategies) {
        process.stderr.write(`feed bench: ${strategy}...\n`);
        const databaseUrl = await cloneDatabase(templateUrl);
        clones.push(databaseUrl);
        try {
          rows.push(await measureStrategy(strategy, env, seedFile, databaseUrl));
        } finally {
          await postgres.drop(databaseUrl);
        }
      }
      report.text(rows.map((r) => `- ${r.strategy} warm-up: ${r.warm}`).join('\n'));
      report.text(markdownTable(
        ['strategy', 'feed p50 ms', 'feed p99 ms', 'feed reads served ≤ 10 ms', 'author list p99 ms', 'post p99 ms', 'due', 'timed out', 'timeline writes / post', 'fan-out lag p99 ms (unfinished/chunks)', 'celebrity post p99 ms', 'feed p99 ms while the top author posts (due/timed out)', 'served ≤ 10 ms while the top author posts', 'cache misses (refresh-ahead reloads) / feed read while the top author posts', 'writes / celebrity post', 'active followers / celebrity post', 'celebrity fan-out lag p99 ms (unfinished/chunks)', 'errors (not timeouts)'],
        rows.map((r) => [r.strategy, r.feedP50.toFixed(1), r.feedP99.toFixed(1), percent(r.feedServed10), r.authorP99.toFixed(1), r.postP99.toFixed(1), r.due, r.timedOut, r.mix.writesPerPost.toFixed(1), lagCell(r.mix),
          r.celebP99.toFixed(1), `${r.celebFeedP99.toFixed(1)} (${r.celebDue}/${r.celebTimedOut})`, percent(r.celebFeedServed10), `${r.celebMissesPerRead.toFixed(2)} (${r.celebRefreshesPerRead.toFixed(2)})`, r.celeb.writesPerPost.toFixed(1), r.celeb.dueChunks === 0 ? '-' : r.celeb.followersPerPost.toFixed(0), lagCell(r.celeb), r.errors]),
      ));
      const gcCell = (g: GcPauses) => `${g.pausedMs.toFixed(0)} ms in ${g.pauses} pauses, ${g.majors} mark-compacts, ${g.overBound} over 10 ms (${g.majorOverBound} of them mark-compacts)`;
      const settleCell = (r: Row) => `settled in ${r.settling.seconds.toFixed(0)} s (${r.settling.due} requests due, ${r.settling.timedOut} timed out${r.settling.marked ? '' : `; no mark-compact within ${settings.settleMaxSeconds} s`})`;
      report.text(`**the system's GC pauses** (nodejs_gc_duration_seconds, from each phase's start to its end, no drain): ${rows
        .map((r) => `${r.strategy}: ${settleCell(r)}; the mix ${gcCell(r.mixGc)}; while the top author posts ${gcCell(r.celebGc)}`)
        .join('; ')}.`);
      const lateCell = (l: LatencySummary | undefined) => (l ? `p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms` : '-');
      report.text(`**the load generator's send lateness** (how long after their due time its requests went out; in every latency above): ${rows
        .map((r) => `${r.strategy}: the mix ${lateCell(r.mixLateness)}; while the top author posts ${lateCell(r.celebLateness)}`)
        .join('; ')}.`);
      report.text(`**cache misses per feed read while the top author posts, by cache** (every request of the phase counted, author lists included): ${rows
        .map((r) => `${r.strategy}: ${[...r.celebMissesByCache].map(([cache, n]) => `${cache} ${n.toFixed(2)}`).join(', ') || 'none'}`)
        .join('; ')}.`);
      for (const r of rows) if (r.profile) await reportProfiles(r.profile.dir, r.profile.windows, report);
      const undrained = rows.filter((r) => r.mix.undrained + r.celeb.undrained > 0);
      if (undrained.length > 0) report.text(`**not drained after ${settings.drainSeconds} s:** ${undrained.map((r) => `${r.strategy} ${r.mix.undrained + r.celeb.undrained} chunks`).join(', ')} (their writes are missing from the writes per post)`);
      const push = rows.find((r) => r.strategy === 'push');
      const hybrid = rows.find((r) => r.strategy === 'hybrid');
      if (push && hybrid) {
        const ratio = hybrid.feedP99 / push.feedP99;
        report.text(`**hybrid vs push:** feed read p99 ratio ${ratio.toFixed(2)} (goal ≤ 1.5); timeline writes per celebrity post ${hybrid.celeb.writesPerPost.toFixed(1)} vs ${push.celeb.writesPerPost.toFixed(1)} (goal ≤ ${settings.threshold}); hybrid celebrity post p99 ${hybrid.celebP99.toFixed(1)} ms (goal < 100 ms).`);
      }
      // Valid when nothing failed outright; timeouts are a finding (an overloaded strategy), shown in the table.
      return rows.every((r) => r.errors === 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
      for (const url of clones) await postgres.drop(url).catch(() => {});
      await postgres.drop(templateUrl);
    }
  },
};
