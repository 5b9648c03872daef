import { Latency, type LatencySummary } from './histogram.js';

/**
 * Everything a run measures: latency histograms overall and per request type
 * for the whole run, plus one set per progress interval (about a second) for
 * the timeline. Latency always comes from the request's intended send time.
 *
 * Each response is recorded once, into its type's interval histogram; the
 * interval's overall and the run's totals are merged from those when the
 * interval closes. Recording four times per response halved the max rate.
 *
 * Every due request ends up recorded exactly once: answered (any status, or
 * a connection error) counts as completed; a per-request timeout, a request
 * still on the wire when the run stops, or one never sent counts as timed
 * out. Both kinds are in the latency histograms and the error counts.
 */

/** Due before the run's end but never sent (every connection was busy): latency = run end − due time. */
export const NOT_SENT = 'TIMEOUT_NOT_SENT';
/** Sent, but still unanswered when the grace period after the run ran out: latency = abort time − due time. */
export const IN_FLIGHT_AT_END = 'TIMEOUT_IN_FLIGHT_AT_END';
const TIMEOUTS = new Set([NOT_SENT, IN_FLIGHT_AT_END, 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function isTimeout(error: string | null): boolean {
  return error !== null && TIMEOUTS.has(error);
}

export interface Outcome {
  type: string;
  latencyMs: number;
  /** null when it succeeded; otherwise "HTTP 503", "UND_ERR_HEADERS_TIMEOUT", NOT_SENT, ... */
  error: string | null;
}

class Totals {
  readonly latency = new Latency(3);
  completed = 0;
  timedOut = 0;
  errors = 0;
  addTo(other: Totals): void {
    other.completed += this.completed;
    other.timedOut += this.timedOut;
    other.errors += this.errors;
    other.latency.add(this.latency);
  }
  reset(): void {
    this.completed = 0;
    this.timedOut = 0;
    this.errors = 0;
    this.latency.reset();
  }
  snapshot(): TypeTotals {
    return { completed: this.completed, timedOut: this.timedOut, errors: this.errors, latency: this.latency.summary() };
  }
}

export interface TypeTotals {
  /** Answered (any status) or failed on the connection. */
  completed: number;
  /** Timed out, in flight at the end, or never sent: counted in `errors` and in `latency` too. */
  timedOut: number;
  errors: number;
  /** Every recorded request: completed + timedOut samples. */
  latency: LatencySummary;
}

export interface IntervalStats {
  /** ms since the start of the run. */
  startMs: number;
  endMs: number;
  /** Target arrival rate (req/s) in the middle of the interval. */
  targetRate: number;
  sent: number;
  completed: number;
  timedOut: number;
  errors: number;
  /** Requests on the wire and requests due but not yet sent, at the interval's end. */
  inFlight: number;
  backlog: number;
  latency: LatencySummary;
  byType: Record<string, TypeTotals>;
}

export class Recorder {
  private readonly overall = new Totals();
  private readonly types = new Map<string, Totals>();
  private readonly intervalTypes = new Map<string, Totals>();
  private readonly interval = new Totals();
  private intervalSent = 0;
  private intervalStart = 0;
  readonly timeline: IntervalStats[] = [];
  readonly errorReasons: Record<string, number> = {};
  /** The first failing response body per reason, to tell what went wrong. */
  readonly errorSamples: Record<string, string> = {};
  /**
   * How long after its due time each request was handed to the HTTP client (0 for one sent a little early,
   * engine.ts EARLY_MS): the generator's own delay (its thread busy, its machine short of CPU). Every latency
   * includes it, so a run whose lateness is more than a few ms measured the generator as much as the server.
   */
  readonly sendLateness = new Latency(3);
  sent = 0;

  markSent(lateMs: number): void {
    this.sent++;
    this.intervalSent++;
    this.sendLateness.recordMs(lateMs);
  }

  record(outcome: Outcome): void {
    let totals = this.intervalTypes.get(outcome.type);
    if (!totals) this.intervalTypes.set(outcome.type, (totals = new Totals()));
    if (isTimeout(outcome.error)) totals.timedOut++;
    else totals.completed++;
    totals.latency.recordMs(outcome.latencyMs);
    if (outcome.error !== null) {
      totals.errors++;
      this.errorReasons[outcome.error] = (this.errorReasons[outcome.error] ?? 0) + 1;
    }
  }

  sample(reason: string, text: string): void {
    this.errorSamples[reason] ??= text.slice(0, 500);
  }

  /** Closes the current interval at `nowMs` and starts the next; returns the closed one. */
  rotate(nowMs: number, targetRate: number, inFlight: number, backlog: number): IntervalStats {
    const byType: IntervalStats['byType'] = {};
    this.interval.reset();
    for (const [type, t] of this.intervalTypes) {
      if (t.completed === 0 && t.timedOut === 0) continue;
      byType[type] = t.snapshot();
      t.addTo(this.interval);
      let run = this.types.get(type);
      if (!run) this.types.set(type, (run = new Totals()));
      t.addTo(run);
      t.reset();
    }
    this.interval.addTo(this.overall);
    const stats: IntervalStats = {
      startMs: this.intervalStart,
      endMs: nowMs,
      targetRate,
      sent: this.intervalSent,
      completed: this.interval.completed,
      timedOut: this.interval.timedOut,
      errors: this.interval.errors,
      inFlight,
      backlog,
      latency: this.interval.latency.summary(),
      byType,
    };
    this.timeline.push(stats);
    this.intervalSent = 0;
    this.intervalStart = nowMs;
    return stats;
  }

  /** Run totals cover closed intervals: call rotate() once more at the end of a run. */
  get completed(): number {
    return this.overall.completed;
  }

  get timedOut(): number {
    return this.overall.timedOut;
  }

  get errors(): number {
    return this.overall.errors;
  }

  overallSummary(): LatencySummary {
    return this.overall.latency.summary();
  }

  typeTotals(): Record<string, TypeTotals> {
    const out: Record<string, TypeTotals> = {};
    for (const [type, t] of [...this.types].sort(([a], [b]) => a.localeCompare(b))) out[type] = t.snapshot();
    return out;
  }
}
