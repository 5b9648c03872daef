import type { LatencySummary } from '../histogram.js';
import type { IntervalStats, TypeTotals } from '../recorder.js';
import type { Stage } from '../stages.js';
import type { ThresholdResult } from '../thresholds.js';

/** A run's report as saved to reports/load-<scenario>-<time>.json and drawn by the HTML page. */
export interface LoadReport {
  version: 1;
  scenario: string;
  target: string;
  startedAt: string;
  settings: {
    stages: Stage[];
    arrival: string;
    connections: number;
    timeoutMs: number;
    /** null: the default, min(timeoutMs, 5 s). */
    graceMs: number | null;
    randomSeed: number;
  };
  summary: {
    durationMs: number;
    /** Requests the profile asks for on average (`due` is the exact count of this run's schedule). */
    expected: number;
    /** Every request due in the profile: due = completed + timedOut. */
    due: number;
    sent: number;
    /** Answered (any status) or failed on the connection, including in the grace period after the profile. */
    completed: number;
    /** Per-request timeouts, requests still unanswered after the grace period, and requests never sent. */
    timedOut: number;
    /** HTTP errors, connection errors and every timeout. */
    errors: number;
    /** Completions inside the profile's duration per second of it. */
    achievedRate: number;
    targetRate: number;
    latency: LatencySummary;
    /**
     * How long after their due time the requests were sent (the generator's own delay; every latency includes
     * it). Absent from reports saved before it was measured.
     */
    sendLateness?: LatencySummary;
  };
  byType: Record<string, TypeTotals>;
  errorReasons: Record<string, number>;
  errorSamples: Record<string, string>;
  timeline: IntervalStats[];
  thresholds: ThresholdResult[];
}

/** JSON cannot hold NaN; empty percentiles become null on disk. */
export function toJson(report: LoadReport): string {
  return JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2);
}

/** A latency in ms for a report's text: two decimals, '-' for an empty percentile (NaN). */
export function msText(v: number): string {
  return Number.isFinite(v) ? v.toFixed(2) : '-';
}
