import * as hdr from 'hdr-histogram-js';

/**
 * Latency histograms. Values are recorded in microseconds (HDR histograms
 * hold integers) and read back in milliseconds. Plain 32-bit buckets, not
 * 'packed': packed recording cost the generator over half its max rate.
 * Values above an hour are clamped rather than thrown, since a single absurd
 * sample must not kill a run.
 */
const MAX_US = 3_600_000_000;

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/** An empty histogram as every Latency holds one (docs/perf/recorder-rotate.mts measures the same kind). */
export function buildHistogram(digits: 2 | 3 = 3): hdr.Histogram {
  // 3 digits: values within 0.1%, about 90 KB of buckets per histogram.
  return hdr.build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_US,
    numberOfSignificantValueDigits: digits,
    autoResize: false,
  });
}

export class Latency {
  private readonly histogram: hdr.Histogram;
  /**
   * The recorded values' sum, for the mean. hdr-histogram-js computes `mean` by walking every bucket through an
   * iterator (0.6-1.1 ms at 3 digits, warm), and the recorder summarises each request type once a second on the
   * generator's thread: with that walk the summary held the sending of due requests ~1.8-2 ms every second,
   * without it 0.45-0.8 ms (`node --import tsx docs/perf/recorder-rotate.mts`). A running sum costs an addition
   * per value, and its mean is exact rather than bucketed.
   */
  private sumUs = 0;

  constructor(digits: 2 | 3 = 3) {
    this.histogram = buildHistogram(digits);
  }

  recordMs(ms: number): void {
    const us = Math.min(MAX_US, Math.max(1, Math.round(ms * 1000)));
    this.histogram.recordValue(us);
    this.sumUs += us;
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** Percentile in ms (q in 0..100); NaN when empty. */
  percentileMs(q: number): number {
    if (this.histogram.totalCount === 0) return NaN;
    return this.histogram.getValueAtPercentile(q) / 1000;
  }

  add(other: Latency): void {
    this.histogram.add(other.histogram);
    this.sumUs += other.sumUs;
  }

  reset(): void {
    this.histogram.reset();
    this.sumUs = 0;
  }

  summary(): LatencySummary {
    const h = this.histogram;
    const empty = h.totalCount === 0;
    // HDR reports a bucket's upper edge, which can exceed the true max by < 0.1%: clamp so p99.9 <= max reads right.
    const at = (q: number) => (empty ? NaN : round3(Math.min(h.getValueAtPercentile(q), h.maxValue) / 1000));
    return {
      count: h.totalCount,
      mean: empty ? NaN : round3(this.sumUs / h.totalCount / 1000),
      p50: at(50),
      p90: at(90),
      p95: at(95),
      p99: at(99),
      p999: at(99.9),
      max: empty ? NaN : round3(h.maxValue / 1000),
    };
  }
}

export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
