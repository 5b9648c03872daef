import { Pool } from 'undici';
import { arrivals, type ArrivalProcess } from './arrivals.js';
import { IN_FLIGHT_AT_END, NOT_SENT, Recorder, type IntervalStats, type Outcome } from './recorder.js';
import { send } from './send.js';
import type { RequestSpec } from './scenarios/scenario.js';
import { rateAt, totalDurationMs, type Stage } from './stages.js';

/**
 * The open-model engine (wrk2's idea): requests are due at intended times set
 * by the arrival process, whatever the server is doing, and each latency is
 * measured from its intended time (or from when it was sent, for one a timer
 * let go out up to EARLY_MS early). When every connection is busy, due
 * requests wait in a backlog here and that wait counts in their latency, so a
 * stalled server shows up as a stall instead of as fewer requests
 * (coordinated omission). undici's Pool keeps `connections` keep-alive
 * connections with pipelining 1. Nothing due is dropped at the end either:
 * what was not sent, or not answered within a grace period, counts as timed out.
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
  /** Called when the clock starts (after the warm-up): what must run beside the load starts here, not before. */
  onStart?: () => void;
  /**
   * After the profile ends, how long requests still on the wire may take to
   * answer before they are aborted and counted as timed out. Default:
   * min(timeoutMs, 5 s).
   */
  graceMs?: number;
}

const DEFAULT_GRACE_MS = 5000;

/**
 * How early a request may go out. A timer counts whole milliseconds from the event loop's cached clock, so the
 * one armed for the next due request fires up to ~1 ms early; re-armed for the remainder, it fired a whole
 * millisecond later, and requests left ~0.6 ms late at the median, charged to their latency. So what falls due
 * within this window is sent when the timer fires, and a request sent early is timed from when it was sent.
 */
const EARLY_MS = 1;

export interface EngineResult {
  recorder: Recorder;
  durationMs: number;
  /** Completions inside the profile's duration (the drain after it is excluded). */
  completedInWindow: number;
  /** Requests due before the end but never sent (also recorded as timed out). */
  notSent: number;
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
  warmUpRecorder();
  const graceMs = options.graceMs ?? Math.min(options.timeoutMs, DEFAULT_GRACE_MS);
  const recorder = new Recorder();
  const schedule = arrivals(options.stages, options.arrival, options.random);
  const durationMs = totalDurationMs(options.stages);
  const t0 = performance.now();
  const elapsed = () => performance.now() - t0;
  options.onStart?.();

  let due: number | null = schedule.next();
  const inFlight = new Set<InFlight>();
  let completedInWindow = 0;
  let notSent = 0;
  let ended = false;
  let timer: NodeJS.Timeout | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const backlog = (now: number): number => {
    // Estimated from the profile rather than by walking the schedule, which would consume it.
    if (due === null || due > now) return 0;
    return Math.max(1, Math.round(((now - due) * Math.max(rateAt(options.stages, due), 1)) / 1000));
  };

  // Every outcome, answered or counted as a timeout at the end, reaches the recorder and the caller's hook alike.
  const record = (outcome: Outcome, atMs: number) => {
    recorder.record(outcome);
    options.onOutcome?.(outcome, atMs);
  };

  const issue = (intended: number) => {
    const spec = options.next();
    const sentAt = elapsed();
    // From when it was due (a late request's wait counts), or from when it went out if that was before (EARLY_MS):
    // never shorter than the round trip.
    const from = Math.min(intended, sentAt);
    const request: InFlight = { type: spec.type, from };
    inFlight.add(request);
    recorder.markSent(Math.max(0, sentAt - intended));
    send(pool, spec, prefix + spec.path, (_status, error, sample) => {
      // Already counted as timed out when the grace period ran out (its abort error lands here).
      if (!inFlight.delete(request)) return;
      const now = elapsed();
      if (now <= durationMs) completedInWindow++;
      record({ type: spec.type, latencyMs: now - from, error }, now);
      if (error !== null && sample !== null) recorder.sample(`${spec.type} ${error}`, sample);
      pump();
    });
  };

  /**
   * The profile is over: nothing more is sent (a run at an impossible rate
   * ends on time instead of draining a huge backlog), but every request that
   * was due and not sent counts now, as a timeout from its due time; requests
   * on the wire get `graceMs` to answer, then are aborted and counted the same way.
   */
  function endProfile(): void {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    const now = elapsed();
    // What is due and has a free connection goes out: a timer that fired a little late is not a backlog. The
    // cutoff is the profile's end, not `now`: Node's millisecond timers can fire a fraction of a millisecond
    // before performance.now() reaches durationMs, and a request due in that sliver was still due in the run.
    const cutoff = Math.max(now, durationMs);
    while (due !== null && due <= cutoff && inFlight.size < options.connections) {
      issue(due);
      due = schedule.next();
    }
    for (; due !== null; due = schedule.next()) {
      record({ type: options.next().type, latencyMs: Math.max(0, now - due), error: NOT_SENT }, now);
      notSent++;
    }
    if (inFlight.size === 0) return finish();
    graceTimer = setTimeout(() => {
      const abortedAt = elapsed();
      for (const request of inFlight) record({ type: request.type, latencyMs: abortedAt - request.from, error: IN_FLIGHT_AT_END }, abortedAt);
      inFlight.clear();
      finish();
    }, graceMs);
  }

  function pump(): void {
    if (ended) {
      if (inFlight.size === 0) {
        clearTimeout(graceTimer);
        finish();
      }
      return;
    }
    const now = elapsed();
    if (now >= durationMs) return endProfile();
    while (due !== null && due <= now + EARLY_MS && inFlight.size < options.connections) {
      issue(due);
      due = schedule.next();
    }
    if (due === null) {
      // The schedule is done before the profile's end: nothing left to count once the last answer is in.
      if (inFlight.size === 0) {
        ended = true;
        clearTimeout(endTimer);
        finish();
      }
      return;
    }
    // Wake for the next due request; when blocked on connections, a completion calls pump() instead.
    if (inFlight.size < options.connections) {
      clearTimeout(timer);
      timer = setTimeout(pump, Math.max(0, due - now));
    }
  }

  const interval = setInterval(() => {
    const now = elapsed();
    const stats = recorder.rotate(now, rateAt(options.stages, now - (options.intervalMs ?? 1000) / 2), inFlight.size, backlog(now));
    options.onInterval?.(stats, recorder);
  }, options.intervalMs ?? 1000);
  // The profile ends on time even when every connection hangs and no answer comes to call pump().
  const endTimer = setTimeout(endProfile, durationMs);

  pump();
  await finished;
  clearInterval(interval);
  clearTimeout(timer);
  clearTimeout(endTimer);
  clearTimeout(graceTimer);
  // The last, partial interval: always closed (run totals merge on close), shown unless it is a sliver.
  const end = elapsed();
  const half = (options.intervalMs ?? 1000) / 2;
  const last = recorder.rotate(end, rateAt(options.stages, Math.min(end, durationMs) - half), inFlight.size, 0);
  if (last.endMs - last.startMs < 50 && last.completed === 0 && last.timedOut === 0) recorder.timeline.pop();
  else options.onInterval?.(last, recorder);
  // destroy, not close: close would wait for requests aborted above, which a hung server never answers.
  await pool.destroy();
  return { recorder, durationMs, completedInWindow, notSent };
}

/** A request on the wire: enough to count it if it never answers. */
interface InFlight {
  type: string;
  /** What its latency is counted from: its due time, or when it was sent if that was earlier (EARLY_MS). */
  from: number;
}

/**
 * Runs the recorder's once-a-second summary a few times on a throwaway recorder before the clock starts. Cold
 * (its code not yet compiled), the first summary held the generator's thread for 5-11 ms one second into every
 * run, and the requests due meanwhile counted that wait as latency; warmed, it takes ~1 ms (`node --import tsx
 * docs/perf/recorder-rotate.mts`).
 */
export function warmUpRecorder(): void {
  const scratch = new Recorder();
  for (let round = 1; round <= 3; round++) {
    for (let i = 0; i < 200; i++) scratch.record({ type: `warm-up-${i % 4}`, latencyMs: 1 + (i % 50), error: null });
    scratch.rotate(round, 1, 0, 0);
  }
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
