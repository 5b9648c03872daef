/** Golden signals of one window of load: traffic, errors, latency (p99 from each request's due time). */
export interface WindowSignals {
  requests: number;
  errors: number;
  errorRate: number;
  p99Ms: number;
  /** A few failures, for the report. */
  samples: string[];
}

/**
 * Open-model GETs at a fixed rate until stopped: a request is due every 1/rate s whatever the system does,
 * and its latency counts from when it was due, so a stall shows. Windows are cut with `cut()`.
 */
export class SteadyLoad {
  private latencies: number[] = [];
  private errors = 0;
  private samples: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly url: string, private readonly rate: number, private readonly headers: Record<string, string>, private readonly timeoutMs = 10_000) {}

  start(): void {
    const interval = 1000 / this.rate;
    let next = performance.now();
    const tick = () => {
      const now = performance.now();
      while (next <= now) {
        this.fire(next);
        next += interval;
      }
      this.timer = setTimeout(tick, Math.max(1, next - performance.now()));
    };
    tick();
  }

  /** The signals since the last cut (requests still in flight count in the window they finish in). */
  cut(): WindowSignals {
    const sorted = this.latencies.sort((a, b) => a - b);
    const requests = sorted.length;
    const signals = {
      requests,
      errors: this.errors,
      errorRate: requests === 0 ? 0 : this.errors / requests,
      p99Ms: requests === 0 ? 0 : Math.round(sorted[Math.min(requests - 1, Math.ceil(requests * 0.99) - 1)]!),
      samples: this.samples,
    };
    this.latencies = [];
    this.errors = 0;
    this.samples = [];
    return signals;
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await Promise.all(this.pending);
  }

  private fire(due: number): void {
    const p = fetch(this.url, { headers: this.headers, signal: AbortSignal.timeout(this.timeoutMs) })
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.status >= 500) this.fail(`HTTP ${res.status}`);
      })
      .catch((err: Error) => this.fail(err.name === 'TimeoutError' ? 'timeout' : `${err.message} ${(err.cause as Error | undefined)?.message ?? ''}`.trim()))
      .finally(() => {
        this.latencies.push(performance.now() - due);
        this.pending.delete(p);
      });
    this.pending.add(p);
  }

  private fail(what: string): void {
    this.errors++;
    if (this.samples.length < 5) this.samples.push(what);
  }
}
