import type { LatencySummary } from './histogram.js';

/**
 * Pass/fail rules on a finished run, e.g. `p99<200ms`, `errors<1%`,
 * `rate>=1900`, or per request type `p99{feed}<300ms`. Any broken threshold
 * makes `scalestack load` exit non-zero, so a load test can gate CI.
 */
export type Metric = 'p50' | 'p90' | 'p95' | 'p99' | 'p999' | 'max' | 'mean' | 'errors' | 'rate';
type Op = '<' | '<=' | '>' | '>=';

export interface Threshold {
  text: string;
  metric: Metric;
  type: string | null;
  op: Op;
  value: number;
  /** For errors: the value is a percentage of requests rather than a count. */
  percent: boolean;
}

export interface ThresholdResult {
  text: string;
  ok: boolean;
  /** The measured value, formatted with the threshold's unit. */
  actual: string;
}

/** What thresholds are checked against: one run's totals, overall and per request type. */
export interface MeasuredTotals {
  latency: LatencySummary;
  requests: number;
  errors: number;
  /** Completed requests per second over the run. */
  rate: number;
}

export class ThresholdError extends Error {}

const PATTERN = /^(p50|p90|p95|p99|p99\.9|p999|max|mean|errors|rate|rps)(?:\{([\w.-]+)\})?\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?)\s*(ms|s|us|%)?$/;

export function parseThreshold(text: string): Threshold {
  const match = PATTERN.exec(text.trim());
  if (!match) {
    throw new ThresholdError(`bad threshold "${text}" (use e.g. p99<200ms, errors<1%, rate>=1900, p99{feed}<300ms)`);
  }
  const [, rawMetric, type, op, rawValue, unit] = match;
  const metric = (rawMetric === 'p99.9' ? 'p999' : rawMetric === 'rps' ? 'rate' : rawMetric) as Metric;
  let value = Number(rawValue);
  const latency = metric !== 'errors' && metric !== 'rate';
  if (latency) {
    if (unit === '%') throw new ThresholdError(`threshold "${text}": a latency takes ms, s or us, not %`);
    value = unit === 's' ? value * 1000 : unit === 'us' ? value / 1000 : value;
  } else if (unit !== undefined && unit !== '%') {
    throw new ThresholdError(`threshold "${text}": ${metric} takes a count${metric === 'errors' ? ' or a %' : ''}, not ${unit}`);
  } else if (metric === 'rate' && unit === '%') {
    throw new ThresholdError(`threshold "${text}": rate is in requests per second, not %`);
  }
  return { text: text.trim(), metric, type: type ?? null, op: op as Op, value, percent: unit === '%' };
}

export function checkThresholds(
  thresholds: readonly Threshold[],
  overall: MeasuredTotals,
  byType: Readonly<Record<string, MeasuredTotals>>,
): ThresholdResult[] {
  return thresholds.map((t) => {
    const totals = t.type === null ? overall : byType[t.type];
    if (!totals) return { text: t.text, ok: false, actual: `no requests of type "${t.type}"` };
    const [actual, shown] = measure(t, totals);
    return { text: t.text, ok: !Number.isNaN(actual) && compare(actual, t.op, t.value), actual: shown };
  });
}

function measure(t: Threshold, totals: MeasuredTotals): [number, string] {
  if (t.metric === 'rate') return [totals.rate, `${totals.rate.toFixed(1)} req/s`];
  if (t.metric === 'errors') {
    if (!t.percent) return [totals.errors, `${totals.errors} errors`];
    const pct = totals.requests === 0 ? 0 : (100 * totals.errors) / totals.requests;
    return [pct, `${pct.toFixed(2)}% (${totals.errors}/${totals.requests})`];
  }
  const ms = totals.latency[t.metric];
  return [ms, `${Number.isNaN(ms) ? 'no samples' : `${ms.toFixed(2)}ms`}`];
}

function compare(a: number, op: Op, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}
