import { runEngine } from '../loadgen/engine.js';
import type { IntervalStats } from '../loadgen/recorder.js';
import { prng } from '../loadgen/random.js';
import { social } from '../loadgen/scenarios/social.js';
import type { SeedData } from '../loadgen/seed/seed-data.js';
import { seed } from '../loadgen/seed/seeder.js';
import type { OwnRedis } from './redis-server.js';

/**
 * The operator's drill (issue 12.9): the load lab's social scenario at a
 * steady rate against a running system, its private Redis killed part-way
 * and started again. Latency is read per 250 ms interval of the run (by
 * completion time, from each request's intended send time: a stall shows),
 * so the window "from one second after the kill" can be told apart from the
 * healthy lead-in.
 */
export interface DrillOptions {
  target: string;
  redis: OwnRedis;
  seed: SeedData;
  rate?: number;
  durationMs?: number;
  killAtMs?: number;
  downMs?: number;
}

export interface WindowFigures {
  requests: number;
  errors: number;
  /** The worst 250 ms interval's median and p99 in the window (stricter than one percentile over the window). */
  worstP50: number;
  worstP99: number;
}

export interface DrillResult {
  before: WindowFigures;
  /** From one second after the kill until Redis is started again. */
  outage: WindowFigures;
  /** From the restart to the end of the run. */
  after: WindowFigures;
  errors: number;
  errorReasons: Record<string, number>;
  sent: number;
  timeline: IntervalStats[];
}

/** A small social graph to drive the scenario (users, follows, articles), through the public API. */
export function seedForDrill(target: string): Promise<SeedData> {
  return seed({ target, users: 40, articles: 60, followsPerUser: 6, concurrency: 8, randomSeed: 7, quiet: true });
}

export async function runOutageDrill(options: DrillOptions): Promise<DrillResult> {
  const rate = options.rate ?? 200;
  const durationMs = options.durationMs ?? 14_000;
  const killAtMs = options.killAtMs ?? 3_000;
  const downMs = options.downMs ?? 7_000;
  let killedAt: number | null = null;
  let restartedAt: number | null = null;
  const chores: Promise<void>[] = [];
  const next = social.prepare({ seed: options.seed, random: prng(42), path: '/' });
  const result = await runEngine({
    target: options.target,
    stages: [{ kind: 'steady', durationMs, fromRate: rate, toRate: rate }],
    arrival: 'constant',
    connections: 64,
    timeoutMs: 10_000,
    next,
    intervalMs: 250,
    warmupPath: '/healthz',
    onInterval: (stats) => {
      if (killedAt === null && stats.endMs >= killAtMs) {
        killedAt = stats.endMs;
        chores.push(options.redis.stop());
      } else if (killedAt !== null && restartedAt === null && stats.endMs >= killedAt + downMs) {
        restartedAt = stats.endMs;
        chores.push(options.redis.start());
      }
    },
  });
  await Promise.all(chores);
  if (restartedAt === null) await options.redis.start();
  const timeline = result.recorder.timeline;
  const kill = killedAt ?? Infinity;
  const restart = restartedAt ?? Infinity;
  const window = (from: number, to: number) => figures(timeline.filter((s) => s.startMs >= from && s.endMs <= to));
  return {
    before: window(0, kill),
    outage: window(kill + 1000, restart),
    after: window(restart, Infinity),
    errors: result.recorder.errors,
    errorReasons: result.recorder.errorReasons,
    sent: result.recorder.sent,
    timeline,
  };
}

function figures(intervals: IntervalStats[]): WindowFigures {
  const withData = intervals.filter((s) => s.completed > 0);
  return {
    requests: intervals.reduce((n, s) => n + s.completed, 0),
    errors: intervals.reduce((n, s) => n + s.errors, 0),
    worstP50: Math.max(0, ...withData.map((s) => s.latency.p50)),
    worstP99: Math.max(0, ...withData.map((s) => s.latency.p99)),
  };
}

export function describeDrill(r: DrillResult): string {
  const line = (name: string, f: WindowFigures) =>
    `${name.padEnd(7)} requests ${String(f.requests).padStart(5)}  errors ${f.errors}  worst p50 ${f.worstP50.toFixed(1)} ms  worst p99 ${f.worstP99.toFixed(1)} ms`;
  return [line('before', r.before), line('outage', r.outage), line('after', r.after), `errors ${r.errors} ${JSON.stringify(r.errorReasons)}`].join('\n');
}

/** The topic whose events the drill follows (platform tests may not import a service). */
export { ARTICLE_PUBLISHED } from '../services/social/domain/article-events.js';
