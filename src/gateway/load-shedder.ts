import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface SheddingLimits {
  maxInFlight: number;
  /** p99 event-loop delay (ms) over the last sample window above which new requests are refused. */
  maxEventLoopDelayMs: number;
}

/**
 * Refuses new work (503 + Retry-After) when the process is already past
 * what it can serve well: too many requests in flight, or an event loop so
 * late that every request in it is slow. Refusing early and cheaply keeps
 * latency bounded for the requests admitted.
 */
export class LoadShedder {
  inFlight = 0;
  shed = 0;
  private delayMs = 0;
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly limits: SheddingLimits, sampleMs = 500) {
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.timer = setInterval(() => {
      this.delayMs = this.histogram.percentile(99) / 1e6;
      this.histogram.reset();
    }, sampleMs);
    this.timer.unref();
  }

  /** Why the next request should be refused, or null to admit it. */
  overloaded(): 'in-flight' | 'event-loop-delay' | null {
    if (this.inFlight >= this.limits.maxInFlight) return 'in-flight';
    if (this.delayMs > this.limits.maxEventLoopDelayMs) return 'event-loop-delay';
    return null;
  }

  get eventLoopDelayMs(): number {
    return this.delayMs;
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
