import { runEngine } from '../loadgen/engine.js';
import { Latency } from '../loadgen/histogram.js';
import type { IntervalStats } from '../loadgen/recorder.js';
import { prng } from '../loadgen/random.js';
import { social } from '../loadgen/scenarios/social.js';
import type { SeedData } from '../loadgen/seed/seed-data.js';
import { seed } from '../loadgen/seed/seeder.js';
import type { OwnRedis } from './redis-server.js';

/**
 * The operator's drill (issue 12.9): the load lab's social scenario at a
 * steady rate against a running system, its private Redis killed part-way
 * and started again. Every response's latency (from its intended send time:
 * a stall shows) goes into the window it completed in: before the kill, from
 * one second after the kill to the restart, after the restart; the run's
 * 250 ms intervals are kept for the timeline.
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
  /** Over every response that completed in the window. */
  p50: number;
  p99: number;
  max: number;
  /** The worst 250 ms interval's p99 in the window. */
  worstIntervalP99: number;
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
  const responses: { atMs: number; latencyMs: number; failed: boolean }[] = [];
  const result = await runEngine({
    target: options.target,
    stages: [{ kind: 'steady', durationMs, fromRate: rate, toRate: rate }],
    arrival: 'constant',
    connections: 64,
    timeoutMs: 10_000,
    next,
    intervalMs: 250,
    warmupPath: '/healthz',
    onOutcome: (outcome, atMs) => responses.push({ atMs, latencyMs: outcome.latencyMs, failed: outcome.error !== null }),
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
  const window = (from: number, to: number) =>
    figures(
      responses.filter((r) => r.atMs >= from && r.atMs < to),
      timeline.filter((s) => s.startMs >= from && s.endMs <= to),
    );
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

function figures(responses: { latencyMs: number; failed: boolean }[], intervals: IntervalStats[]): WindowFigures {
  const latency = new Latency(3);
  for (const r of responses) latency.recordMs(r.latencyMs);
  const withData = intervals.filter((s) => s.completed > 0);
  return {
    requests: responses.length,
    errors: responses.filter((r) => r.failed).length,
    p50: latency.percentileMs(50),
    p99: latency.percentileMs(99),
    max: latency.percentileMs(100),
    worstIntervalP99: Math.max(0, ...withData.map((s) => s.latency.p99)),
  };
}

export function describeDrill(r: DrillResult): string {
  const line = (name: string, f: WindowFigures) =>
    `${name.padEnd(7)} requests ${String(f.requests).padStart(5)}  errors ${f.errors}  p50 ${f.p50.toFixed(1)} ms  p99 ${f.p99.toFixed(1)} ms  max ${f.max.toFixed(1)} ms  worst 250 ms interval p99 ${f.worstIntervalP99.toFixed(1)} ms`;
  return [line('before', r.before), line('outage', r.outage), line('after', r.after), `errors ${r.errors} ${JSON.stringify(r.errorReasons)}`].join('\n');
}

/** The topic whose events the drill follows (platform tests may not import a service). */
export { ARTICLE_PUBLISHED } from '../services/social/domain/article-events.js';
