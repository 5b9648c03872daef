import { Pool } from 'undici';
import { arrivals, type ArrivalProcess } from './arrivals.js';
import { Recorder, type IntervalStats, type Outcome } from './recorder.js';
import { send } from './send.js';
import type { RequestSpec } from './scenarios/scenario.js';
import { rateAt, totalDurationMs, type Stage } from './stages.js';

/**
 * The open-model engine (wrk2's idea): requests are due at intended times set
 * by the arrival process, whatever the server is doing, and each latency is
 * measured from its intended time. When every connection is busy, due
 * requests wait in a backlog here and that wait counts in their latency, so a
 * stalled server shows up as a stall instead of as fewer requests
 * (coordinated omission). undici's Pool keeps `connections` keep-alive
 * connections with pipelining 1.
 */
export interface EngineOptions {
  target: string;
  stages: readonly Stage[];
  arrival: ArrivalProcess;
  connections: number;
  /** Per-request timeout (headers and body), counted as an error. */
  timeoutMs: number;
  next: () => RequestSpec;
  random?: () => number;
  /** Called about once a second with the interval just closed. */
  onInterval?: (stats: IntervalStats, recorder: Recorder) => void;
  /** Called with every response as it completes (`atMs`: ms since the start), e.g. to measure a window of the run. */
  onOutcome?: (outcome: Outcome, atMs: number) => void;
  intervalMs?: number;
  /**
   * Before the clock starts, open every connection with a `GET <warmupPath>`
   * (its answer is ignored), so connection set-up and undici's parser
   * start-up are not charged to the first second. null skips it.
   */
  warmupPath?: string | null;
}

export interface EngineResult {
  recorder: Recorder;
  durationMs: number;
  /** Completions inside the profile's duration (the drain after it is excluded). */
  completedInWindow: number;
}

export async function runEngine(options: EngineOptions): Promise<EngineResult> {
  const url = new URL(options.target);
  const prefix = url.pathname.replace(/\/$/, '');
  const pool = new Pool(url.origin, {
    connections: options.connections,
    pipelining: 1,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 60_000,
  });
  const warmupPath = options.warmupPath === undefined ? '/' : options.warmupPath;
  if (warmupPath !== null) await warmUp(pool, prefix + warmupPath, options.connections);
  const recorder = new Recorder();
  const schedule = arrivals(options.stages, options.arrival, options.random);
  const durationMs = totalDurationMs(options.stages);
  const t0 = performance.now();
  const elapsed = () => performance.now() - t0;

  let due: number | null = schedule.next();
  let inFlight = 0;
  let completedInWindow = 0;
  let timer: NodeJS.Timeout | undefined;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const backlog = (now: number): number => {
    // Estimated from the profile rather than by walking the schedule, which would consume it.
    if (due === null || due > now) return 0;
    return Math.max(1, Math.round(((now - due) * Math.max(rateAt(options.stages, due), 1)) / 1000));
  };

  const issue = (intended: number) => {
    const spec = options.next();
    inFlight++;
    recorder.markSent();
    send(pool, spec, prefix + spec.path, (_status, error, sample) => {
      const now = elapsed();
      inFlight--;
      if (now <= durationMs) completedInWindow++;
      recorder.record({ type: spec.type, latencyMs: now - intended, error });
      options.onOutcome?.({ type: spec.type, latencyMs: now - intended, error }, now);
      if (error !== null && sample !== null) recorder.sample(`${spec.type} ${error}`, sample);
      pump();
    });
  };

  function pump(): void {
    const now = elapsed();
    // Requests still due when the profile ends are not sent: they show as sent < expected,
    // and a run at an impossible rate ends on time instead of draining a huge backlog.
    if (now >= durationMs) due = null;
    while (due !== null && due <= now && inFlight < options.connections) {
      issue(due);
      due = schedule.next();
    }
    if (due === null) {
      if (inFlight === 0) finish();
      return;
    }
    // Wake for the next due request; when blocked on connections, a completion calls pump() instead.
    if (inFlight < options.connections) {
      clearTimeout(timer);
      timer = setTimeout(pump, Math.max(0, due - now));
    }
  }

  const interval = setInterval(() => {
    const now = elapsed();
    const stats = recorder.rotate(now, rateAt(options.stages, now - (options.intervalMs ?? 1000) / 2), inFlight, backlog(now));
    options.onInterval?.(stats, recorder);
  }, options.intervalMs ?? 1000);

  pump();
  await finished;
  clearInterval(interval);
  clearTimeout(timer);
  // The last, partial interval: always closed (run totals merge on close), shown unless it is a sliver.
  const end = elapsed();
  const half = (options.intervalMs ?? 1000) / 2;
  const last = recorder.rotate(end, rateAt(options.stages, Math.min(end, durationMs) - half), inFlight, 0);
  if (last.endMs - last.startMs < 50 && last.completed === 0) recorder.timeline.pop();
  else options.onInterval?.(last, recorder);
  await pool.close();
  return { recorder, durationMs, completedInWindow };
}

async function warmUp(pool: Pool, path: string, connections: number): Promise<void> {
  await Promise.all(
    Array.from({ length: connections }, () =>
      pool
        .request({ method: 'GET', path })
        .then((res) => res.body.dump())
        .catch(() => {}),
    ),
  );
}
