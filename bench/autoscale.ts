/**
 * The local autoscaler under a load step (issue 20): `scalestack start --topology services --autoscale`
 * on a fresh Postgres database and the machine's Redis, the load lab's open model on
 * BENCH_AUTOSCALE_PATH (`GET /api/articles?limit=20`, social behind the gateway, over BENCH_AUTOSCALE_ARTICLES
 * (40) seeded articles): BENCH_AUTOSCALE_LOW req/s (50), a step to
 * BENCH_AUTOSCALE_HIGH (800) held BENCH_AUTOSCALE_HIGH_S seconds (90), then back to LOW for
 * BENCH_AUTOSCALE_TAIL_S (90: the scale-in waits 30 s of low signals and 30 s since the last change).
 * BENCH_CACHE: `on` (the default configuration, and this bench's default), `off` (every request is
 * social's and identity's work, on Postgres) or `on,off` (both, one after the other, in one report).
 * BENCH_AUTOSCALE_REPLICA_CPU: each replica's CPU limit in cores (0.3; `none` for uncapped replicas).
 * BENCH_AUTOSCALE_GC: REPLICA_GC for the system, `parallel` (V8's default, and this bench's), `main-thread`, or
 * `parallel,main-thread` for a row of each in one run, one after the other.
 *
 * Reported per row: the replicas of social and identity over time (from the supervisor's /replicas, every
 * 500 ms), when the first scale-out came after the step, the 5-second windows' p99 against the SLO (250 ms,
 * the autoscaler's p99 mark) and when it was back under it to stay, when the scale-in came after the load
 * dropped, the peak of Postgres connections, and every failed request of the run (the goal: none) with
 * what the system logged about it (the replicas' unhandled errors, the gateway's failed attempts and sheds).
 * Valid when no row had a failed request; the figures are what they are on this machine (two cores for the
 * load generator, the gateway and every replica: more replicas cannot add cores). The windows also show the
 * host's CPU, which the autoscaler reads too: at 90% it takes no scale-out (docs/deploy.md#local-autoscaler).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { cliEntry, spawnScript, type NodeProcess } from '../src/testing/cli-process.js';
import { dbTargets } from '../src/testing/db-targets.js';
import { TEST_REDIS_URL } from '../src/testing/redis-probe.js';
import { registerUser, createArticle } from '../src/testing/fixtures.js';
import { createApiClient } from '../src/testing/api-client.js';
import { runLoad } from '../src/loadgen/run.js';
import { decisionText, hostTimes, type AutoscalerView, type DecisionEntry } from '../src/platform/runtime/topologies/autoscale/autoscaler.js';
import { cpuSeconds, throttledMs } from '../src/testing/proc-cgroups.js';
import { parseStages } from '../src/loadgen/stages.js';
import type { IntervalStats } from '../src/loadgen/recorder.js';
import type { Config } from '../src/platform/config/schema.js';
import type { Benchmark } from './lib/benchmark.js';
import { machine, type Report } from './lib/report.js';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const LOW = num('BENCH_AUTOSCALE_LOW', 50);
const HIGH = num('BENCH_AUTOSCALE_HIGH', 800);
const LOW_S = 30;
const HIGH_S = num('BENCH_AUTOSCALE_HIGH_S', 90);
const TAIL_S = num('BENCH_AUTOSCALE_TAIL_S', 90);
/** The step's request (see the header: chosen so that one replica passes the CPU mark and the host can carry two). */
const PATH = process.env['BENCH_AUTOSCALE_PATH'] ?? '/api/articles?limit=20';
const ARTICLES = num('BENCH_AUTOSCALE_ARTICLES', 40);
/**
 * Each replica's CPU limit (REPLICA_CPU_LIMIT, cores), as a pod's. On a 2-core host one uncapped replica serves the
 * step at a quarter of a core (logging at warn), so nothing is added; at 0.3 core the same replica is past its 70%
 * mark at the first tick, while the host has cores for more (docs/deploy.md#local-autoscaler). `none`: uncapped.
 * Needs root (the cgroup cpu controller).
 */
const REPLICA_CPU = process.env['BENCH_AUTOSCALE_REPLICA_CPU'] ?? '0.3';
const SLO_MS = 250;
const WINDOW_MS = 5_000;

type ReplicaGc = Config['REPLICA_GC'];
function gcModes(): ReplicaGc[] {
  const text = process.env['BENCH_AUTOSCALE_GC'] ?? 'parallel';
  const list = text.split(',').map((v) => v.trim());
  if (list.length === 0 || list.some((v) => v !== 'main-thread' && v !== 'parallel')) throw new Error(`BENCH_AUTOSCALE_GC="${text}": use parallel, main-thread or parallel,main-thread`);
  return list as ReplicaGc[];
}

function caches(): Array<'on' | 'off'> {
  const text = process.env['BENCH_CACHE'] ?? 'on';
  const list = text.split(',').map((v) => v.trim());
  if (list.length === 0 || list.some((v) => v !== 'on' && v !== 'off')) throw new Error(`BENCH_CACHE="${text}": use on, off or on,off`);
  return list as Array<'on' | 'off'>;
}

interface Sample { atMs: number; social: number; identity: number; socialCpuS: number; socialThrottledMs: number; gatewayCpuS: number; loadCpuS: number; hostBusyMs: number; hostTotalMs: number }

/** This process's CPU seconds so far: the load generator's (and this bench's sampling), which shares the host's cores. */
const ownCpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** 1-second intervals merged into WINDOW_MS windows: requests, failures and the worst second's p99 (a bound on the window's). */
function windows(timeline: IntervalStats[]): Array<{ startMs: number; requests: number; failed: number; p99: number }> {
  const out = new Map<number, { startMs: number; requests: number; failed: number; p99: number }>();
  for (const s of timeline) {
    const key = Math.floor(s.startMs / WINDOW_MS) * WINDOW_MS;
    const w = out.get(key) ?? { startMs: key, requests: 0, failed: 0, p99: 0 };
    w.requests += s.completed + s.timedOut;
    w.failed += s.errors;
    if (s.latency.count > 0) w.p99 = Math.max(w.p99, s.latency.p99);
    out.set(key, w);
  }
  return [...out.values()].sort((a, b) => a.startMs - b.startMs);
}

/** One collection from a process's `--trace-gc` line, timed by when the line came (the trace's own clock is the process's). */
interface GcPause { at: number; pid: number; kind: string; ms: number }

/** `[1234:0x55d0c8a0]    83456 ms: Scavenge 41.2 (52.1) -> 33.0 (53.1) MB, 75.69 / 0.00 ms  (average mu = ...) ...`: pid, kind, pause. */
function parseGcTrace(line: string): GcPause | null {
  const m = /^\[(\d+):0x[0-9a-f]+\]\s+\d+ ms: ([A-Za-z-]+(?: \(reduce\))?) [^,]*, ([\d.]+) \/ [\d.]+ ms/.exec(line);
  return m ? { at: Date.now(), pid: Number(m[1]), kind: m[2]!, ms: Number(m[3]) } : null;
}

/**
 * What the system logs at warn and above, read line by line as it comes (NodeProcess.output() keeps only the
 * last 100 kB): the autoscaler's scrape warnings, the replicas' unhandled errors, the gateway's failed upstream
 * attempts (by failure) and its sheds. (At info every request is logged twice, by the gateway and the replica,
 * and this process parsed every line: work on the same two cores the step is measured on. The decisions come
 * from the supervisor's /autoscaler instead.)
 */
function watchLog(system: NodeProcess, serviceAt: (url: string) => string) {
  const seen = { warnings: [] as Array<{ at: number; msg: string }>, unhandled: new Map<string, number>(), attempts: new Map<string, number>(), shed: 0, gc: [] as GcPause[] };
  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  let rest = '';
  const onData = (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const gc = parseGcTrace(line);
      if (gc) {
        seen.gc.push(gc);
        continue;
      }
      const start = line.indexOf('{');
      if (start < 0) continue;
      let entry: { msg?: string; time?: string; err?: { message?: string } | string; failure?: string; upstream?: string };
      try {
        entry = JSON.parse(line.slice(start)) as typeof entry;
      } catch {
        continue;
      }
      const msg = entry.msg ?? '';
      if (/^autoscale \w+: no metrics/.test(msg)) seen.warnings.push({ at: entry.time ? Date.parse(entry.time) : Date.now(), msg });
      else if (msg === 'unhandled error') count(seen.unhandled, typeof entry.err === 'string' ? entry.err : (entry.err?.message ?? 'unknown'));
      else if (msg === 'gateway: upstream attempt failed') count(seen.attempts, `${serviceAt(entry.upstream ?? '')}: ${entry.failure ?? 'unknown'} (${typeof entry.err === 'string' ? entry.err : (entry.err?.message ?? '')})`);
      else if (msg === 'gateway: shedding load') seen.shed++;
    }
  };
  system.child.stdout?.on('data', onData);
  system.child.stderr?.on('data', onData);
  return seen;
}

const listed = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} × ${k}`).join('; ') || 'none';

/** Waits until the supervisor runs one replica of each service (true), or `timeoutMs` passes (false), from 6 s after the seeding. */
async function settle(adminUrl: string, adminToken: string, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  // The autoscaler reads the seeding's CPU at its next tick or two (2 s each): one replica now may be two then.
  await new Promise((resolve) => setTimeout(resolve, 6_000));
  for (;;) {
    const res = await fetch(new URL('/replicas', adminUrl), { headers: { authorization: `Bearer ${adminToken}` } }).catch(() => null);
    if (res?.ok) {
      const list = ((await res.json()) as { replicas: Array<{ services: string[] }> }).replicas;
      const services = list.flatMap((r) => r.services);
      if (services.length === new Set(services).size) return true;
    }
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

async function runOne(report: Report, cache: 'on' | 'off', gc: ReplicaGc): Promise<boolean> {
  const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
  if (postgres.options.skip) throw new Error(String(postgres.options.skip));
  const databaseUrl = (await postgres.create())!;
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-autoscale-'));
  // The compiled server, as `npm start` runs it (bench/main.ts sets SCALESTACK_CLI_ENTRY): from the tsx source every
  // replica the supervisor forks runs with its parent's loader, so this bench had measured tsx processes throughout.
  const system = await spawnScript(cliEntry(), ['start', '--topology', 'services', '--autoscale'], {
    env: {
      DATABASE_URL: databaseUrl, DATA_DIR: dataDir, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: `autoscale-${randomBytes(4).toString('hex')}`,
      LOG_LEVEL: 'warn', LOG_PRETTY: 'false', RATE_LIMIT_ENABLED: 'false', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1',
      CACHE_ENABLED: cache === 'on' ? 'true' : 'false',
      ...(REPLICA_CPU === 'none' ? {} : { REPLICA_CPU_LIMIT: REPLICA_CPU }), REPLICA_GC: gc,
    },
    // Every collection of every process (the replicas inherit the supervisor's node flags): the pauses of social's replicas
    // through the step are reported, with when they came.
    nodeArgs: ['--trace-gc'],
  });
  // Which service each replica URL ran (from the samples of /replicas), to name a failed attempt's service.
  const services = new Map<string, string>();
  const starts = new Map<string, { listedAt: number; servingAt: number | null; before: boolean }>();
  const names = new Map<number, string>();
  const log = watchLog(system, (url) => services.get(url) ?? 'a replica not sampled');
  const samples: Sample[] = [];
  // Postgres connections: this run's database, and the whole server (max_connections is shared with every other database on it).
  const connections = { mine: 0, server: 0, max: 0 };
  const watcher = new pg.Client({ connectionString: databaseUrl });
  let sampler: NodeJS.Timeout | undefined;
  try {
    await system.waitReady('/readyz', 420_000);
    await watcher.connect();
    connections.max = Number((await watcher.query<{ max_connections: string }>('show max_connections')).rows[0]!.max_connections);
    const { adminUrl, adminToken } = JSON.parse(await readFile(join(dataDir, 'supervisor.json'), 'utf8')) as { adminUrl: string; adminToken: string };
    const api = createApiClient(system.url);
    const author = await registerUser(api);
    for (let i = 0; i < ARTICLES; i++) await createArticle(api, author.token);
    // The seeding is a burst of its own (a replica limited to 0.3 core passes its mark on it): the step starts from
    // one replica per service, once the autoscaler has scaled back in (30 s of low signals, 30 s after the change).
    const settleStarted = performance.now();
    const settled = await settle(adminUrl, adminToken, 150_000);
    const settleS = ((performance.now() - settleStarted) / 1000).toFixed(0);

    const started = performance.now();
    const startedAt = Date.now();
    const socialCpu = { total: 0, last: new Map<number, number>() };
    // How long the kernel held social's replicas back at their quota, summed the same way (a replica at its limit waits here).
    const socialThrottled = { total: 0, last: new Map<number, number>() };
    let sampling = false;
    const sample = async () => {
      // One at a time: on a starved machine a sample can outlast the 500 ms interval (and pg refuses overlapping queries on a client).
      if (sampling) return;
      sampling = true;
      try {
        await sampleOnce();
      } finally {
        sampling = false;
      }
    };
    const sampleOnce = async () => {
      const res = await fetch(new URL('/replicas', adminUrl), { headers: { authorization: `Bearer ${adminToken}` } }).catch(() => null);
      if (res?.ok) {
        const list = ((await res.json()) as { replicas: Array<{ name: string; url: string | null; services: string[]; pid?: number }> }).replicas;
        const of = (service: string) => list.filter((r) => r.url && r.services.includes(service)).length;
        for (const r of list) if (r.url) services.set(r.url, r.services.join('+'));
        // Each replica started during the run, from the first sample that lists it (forked) to the first with its URL
        // (serving), ±0.5 s; the replicas of the first sample were there before it.
        const at = performance.now();
        for (const r of list) {
          if (r.pid) names.set(r.pid, r.name);
          const start = starts.get(r.name);
          if (!start) starts.set(r.name, { listedAt: at, servingAt: r.url ? at : null, before: samples.length === 0 });
          else if (r.url && start.servingAt === null) start.servingAt = at;
        }
        // Social's CPU, summed over its replicas as the counters grow (a replica's CPU before its first sample is not counted).
        for (const r of list.filter((x) => x.services.includes('social') && x.pid)) {
          const now = await cpuSeconds(r.pid!);
          if (now === null) continue;
          socialCpu.total += now - (socialCpu.last.get(r.pid!) ?? now);
          socialCpu.last.set(r.pid!, now);
          const throttled = REPLICA_CPU === 'none' ? null : await throttledMs(r.pid!);
          if (throttled === null) continue;
          socialThrottled.total += throttled - (socialThrottled.last.get(r.pid!) ?? throttled);
          socialThrottled.last.set(r.pid!, throttled);
        }
        const gatewayCpu = (await cpuSeconds(system.child.pid!)) ?? 0;
        const host = hostTimes();
        samples.push({ atMs: performance.now() - started, social: of('social'), identity: of('identity'), socialCpuS: socialCpu.total, socialThrottledMs: socialThrottled.total, gatewayCpuS: gatewayCpu, loadCpuS: ownCpuSeconds(), hostBusyMs: host.busy, hostTotalMs: host.total });
      }
      const counts = await watcher.query<{ mine: number; server: number }>(
        'select count(*) filter (where datname = current_database())::int as mine, count(*)::int as server from pg_stat_activity',
      ).catch(() => null);
      if (counts) {
        connections.mine = Math.max(connections.mine, counts.rows[0]!.mine);
        connections.server = Math.max(connections.server, counts.rows[0]!.server);
      }
    };
    sampler = setInterval(() => void sample(), 500);
    const stages = parseStages([`steady:${LOW_S}s:${LOW}`, `steady:${HIGH_S}s:${HIGH}`, `steady:${TAIL_S}s:${LOW}`]);
    const load = await runLoad({
      scenario: 'get', target: system.url, stages, arrival: 'constant', connections: 128, timeoutMs: 10_000,
      thresholds: [], seedFile: '', path: PATH, randomSeed: 1, live: null,
    });
    clearInterval(sampler);
    const decisions = await fetch(new URL('/autoscaler', adminUrl), { headers: { authorization: `Bearer ${adminToken}` } })
      .then(async (res) => ((await res.json()) as Partial<AutoscalerView>).recent ?? [], () => [] as DecisionEntry[]);

    const stepAt = LOW_S * 1000;
    const dropAt = (LOW_S + HIGH_S) * 1000;
    const before = samples.filter((s) => s.atMs < stepAt).at(-1)?.social ?? 1;
    const peak = Math.max(...samples.map((s) => s.social));
    const firstOut = samples.find((s) => s.atMs >= stepAt && s.social > before);
    // A scale-in: after the drop, fewer replicas than at any earlier sample since the drop (the run's peak may come
    // after the drop, when a scale-out follows it: fewer than that peak is then no scale-in).
    let most = samples.filter((s) => s.atMs < dropAt).at(-1)?.social ?? before;
    const firstIn = samples.find((s) => {
      if (s.atMs < dropAt) return false;
      if (s.social < most) return true;
      most = Math.max(most, s.social);
      return false;
    });
    const w = windows(load.timeline);
    const high = w.filter((x) => x.startMs >= stepAt && x.startMs < dropAt);
    // Back under the SLO to stay: the first high-load window after which every high-load window is under it.
    const lastOver = [...high].reverse().find((x) => x.p99 > SLO_MS);
    const backUnder = lastOver ? high.find((x) => x.startMs > lastOver.startMs) : high[0];
    const failed = (from: number, to: number) => w.filter((x) => x.startMs >= from && x.startMs < to).reduce((n, x) => n + x.failed, 0);

    report.text(`### autoscale, cache ${cache}, REPLICA_GC=${gc} (${new Date().toISOString()}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end)`);
    report.facts({ ...machine(), cache, 'REPLICA_GC': gc, 'before the profile': settled ? `one replica per service (waited ${settleS} s after seeding)` : `still ${settleS} s after seeding: more than one replica of some service`, 'CPU limit per replica': REPLICA_CPU === 'none' ? 'none (BENCH_AUTOSCALE_REPLICA_CPU=none)' : `${REPLICA_CPU} core (REPLICA_CPU_LIMIT)`, profile: `${LOW} req/s ${LOW_S} s → ${HIGH} req/s ${HIGH_S} s → ${LOW} req/s ${TAIL_S} s, GET ${PATH} through the gateway` });
    report.table(
      ['social replicas before', 'peak', 'first scale-out after the step', 'p99 back under 250 ms (5 s windows) after the step', 'scale-in after the drop', 'identity replicas peak', 'Postgres connections peak: this db / server (max)', 'requests', 'failed: low / step / tail'],
      [[
        before, peak,
        firstOut ? `${((firstOut.atMs - stepAt) / 1000).toFixed(1)} s` : 'none',
        backUnder ? `${((backUnder.startMs - stepAt) / 1000).toFixed(0)} s` : `never (last window ${Math.round(high.at(-1)?.p99 ?? NaN)} ms)`,
        firstIn ? `${((firstIn.atMs - dropAt) / 1000).toFixed(1)} s` : `none within ${TAIL_S} s`,
        Math.max(...samples.map((s) => s.identity)),
        `${connections.mine} / ${connections.server} (${connections.max})`,
        load.summary.due,
        `${failed(0, stepAt)} / ${failed(stepAt, dropAt)} / ${failed(dropAt, Infinity)}`,
      ]],
    );
    const cores = (from: Sample | undefined, to: Sample | undefined, key: 'socialCpuS' | 'gatewayCpuS' | 'loadCpuS') =>
      from && to && to.atMs > from.atMs ? `${(((to[key] - from[key]) / (to.atMs - from.atMs)) * 100_000).toFixed(0)}%` : '';
    const hostCpu = (from: Sample | undefined, to: Sample | undefined) =>
      from && to && to.hostTotalMs > from.hostTotalMs ? `${(((to.hostBusyMs - from.hostBusyMs) / (to.hostTotalMs - from.hostTotalMs)) * 100).toFixed(0)}%` : '';
    const throttledPerS = (from: Sample | undefined, to: Sample | undefined) =>
      REPLICA_CPU !== 'none' && from && to && to.atMs > from.atMs ? `${(((to.socialThrottledMs - from.socialThrottledMs) / (to.atMs - from.atMs)) * 1000).toFixed(0)}` : '';
    report.table(['window (s)', 'target req/s', 'requests', 'failed', 'p99 ms (worst second)', 'social replicas at its end', 'identity', 'social CPU (all replicas, % of a core)', 'social throttled (ms per s, all replicas)', 'gateway process CPU', 'load generator (this process) CPU', 'host CPU (all cores)'], w.map((x) => {
      const first = samples.filter((s) => s.atMs <= x.startMs).at(-1);
      const at = samples.filter((s) => s.atMs <= x.startMs + WINDOW_MS).at(-1);
      return [
        `${x.startMs / 1000}–${(x.startMs + WINDOW_MS) / 1000}`,
        x.startMs < stepAt || x.startMs >= dropAt ? LOW : HIGH,
        x.requests, x.failed, Math.round(x.p99), at?.social ?? '', at?.identity ?? '',
        cores(first, at, 'socialCpuS'), throttledPerS(first, at), cores(first, at, 'gatewayCpuS'), cores(first, at, 'loadCpuS'), hostCpu(first, at),
      ];
    }));
    // Seconds from the step (negative: before it; past the drop they are still counted from the step).
    const fromStep = (at: number) => `${((at - startedAt - stepAt) / 1000).toFixed(1)} s`;
    const news = [...decisions.map((d) => ({ at: d.at, msg: decisionText(d) })), ...log.warnings].sort((a, b) => a.at - b.at);
    if (news.length > 0) report.text(['Decisions (the supervisor\'s /autoscaler) and scrape warnings (its log); time from the step:', ...news.slice(0, 40).map((d) => `- ${fromStep(d.at)}: ${d.msg}`)].join('\n'));
    report.text([
      `What the system logged: unhandled errors in replicas: ${listed(log.unhandled)}`,
      `gateway attempts failed, by failure: ${listed(log.attempts)}; requests shed by the gateway: ${log.shed}`,
      `replica starts added during the run (forked to serving, from /replicas every 500 ms, so ±0.5 s; serving from when, counted from the step): ${[...starts.entries()].filter(([, r]) => !r.before && r.servingAt !== null).map(([name, r]) => `${name} ${((r.servingAt! - r.listedAt) / 1000).toFixed(1)} s (at ${((r.servingAt! - started - stepAt) / 1000).toFixed(1)} s)`).join(', ') || 'none'}`,
      `seconds of the step with p99 over ${SLO_MS} ms (from the step): ${load.timeline.filter((t) => t.startMs >= stepAt && t.startMs < dropAt && t.latency.count > 0 && t.latency.p99 > SLO_MS).map((t) => `${((t.startMs - stepAt) / 1000).toFixed(0)} s (${Math.round(t.latency.p99)} ms)`).join(', ') || 'none'}`,
    ].join('\n\n'));
    // Social's collections through the step: how many, their pauses (wall time: a collection held at the quota takes longer).
    const socialGc = log.gc.filter((g) => names.get(g.pid)?.startsWith('social') && g.at - startedAt >= stepAt && g.at - startedAt < dropAt);
    const longest = [...socialGc].sort((a, b) => b.ms - a.ms).slice(0, 8);
    const kinds = [...new Set(socialGc.map((g) => g.kind))].map((k) => {
      const of = socialGc.filter((g) => g.kind === k);
      return `${of.length} × ${k} (${of.reduce((n, g) => n + g.ms, 0).toFixed(0)} ms in all)`;
    });
    report.text(`social's collections during the step (--trace-gc, all replicas): ${kinds.join(', ') || 'none'}; the longest pauses: ${longest.map((g) => `${g.ms.toFixed(0)} ms ${g.kind} in ${names.get(g.pid)} at ${fromStep(g.at)}`).join(', ') || 'none'}`);
    if (load.summary.errors > 0) {
      report.text(`**${load.summary.errors} failed requests**: ${JSON.stringify(load.errorReasons)}; first body per reason: ${JSON.stringify(load.errorSamples)}`);
    }
    return load.summary.errors === 0;
  } finally {
    clearInterval(sampler);
    await watcher.end().catch(() => {});
    await system.stop('SIGTERM', 60_000);
    await postgres.drop(databaseUrl);
    await rm(dataDir, { recursive: true, force: true });
  }
}

export const benchmark: Benchmark = {
  name: 'autoscale',
  description: `the local autoscaler under a step from ${LOW} to ${HIGH} req/s and back: scale-out time, p99 vs the SLO, scale-in, failed requests (BENCH_CACHE=on|off|on,off, BENCH_AUTOSCALE_GC=parallel|main-thread|parallel,main-thread)`,
  async run(report: Report): Promise<boolean> {
    let valid = true;
    for (const cache of caches()) for (const gc of gcModes()) valid = (await runOne(report, cache, gc)) && valid;
    return valid;
  },
};
