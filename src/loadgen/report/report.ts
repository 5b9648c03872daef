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
    randomSeed: number;
  };
  summary: {
    durationMs: number;
    /** Requests the profile asked for, sent, and completed (including the drain after the profile). */
    expected: number;
    sent: number;
    completed: number;
    errors: number;
    /** Completions inside the profile's duration per second of it. */
    achievedRate: number;
    targetRate: number;
    latency: LatencySummary;
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
