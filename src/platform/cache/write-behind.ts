import { Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../log/logger.js';

/** Writes a batch of summed increments to the source of truth, in one statement. */
export type FlushBatch = (increments: ReadonlyMap<number, number>) => Promise<void>;

export interface WriteBehindOptions {
  name: string;
  flushEveryMs: number;
  flush: FlushBatch;
  registry: Registry;
  logger: Logger;
}

/**
 * Write-behind for counters: increments are summed in memory and written in
 * one batch per interval, and at shutdown. A crash loses at most the
 * increments of the current interval (WRITE_BEHIND_FLUSH_MS); a failed flush
 * keeps its batch and retries it with the next one.
 */
export class WriteBehindCounter {
  private pending = new Map<number, number>();
  private oldestPendingAt: number | null = null;
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly bufferSize: Gauge;
  private readonly flushLag: Histogram;

  constructor(private readonly options: WriteBehindOptions) {
    this.bufferSize = gauge(options.registry);
    this.flushLag = histogram(options.registry);
    this.timer = setInterval(() => void this.flush(), options.flushEveryMs);
    this.timer.unref();
  }

  increment(id: number, by = 1): void {
    this.pending.set(id, (this.pending.get(id) ?? 0) + by);
    this.oldestPendingAt ??= Date.now();
    this.bufferSize.set({ counter: this.options.name }, this.pending.size);
  }

  /** Writes everything buffered so far; concurrent calls share one flush. */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    const since = this.oldestPendingAt ?? Date.now();
    this.pending = new Map();
    this.oldestPendingAt = null;
    this.flushing = this.options
      .flush(batch)
      .then(() => this.flushLag.observe({ counter: this.options.name }, (Date.now() - since) / 1000))
      .catch((err: unknown) => {
        this.options.logger.warn({ err, counter: this.options.name, keys: batch.size }, 'write-behind flush failed; will retry');
        for (const [id, by] of batch) this.pending.set(id, (this.pending.get(id) ?? 0) + by);
        this.oldestPendingAt = Math.min(this.oldestPendingAt ?? since, since);
      })
      .finally(() => {
        this.flushing = null;
        this.bufferSize.set({ counter: this.options.name }, this.pending.size);
      });
    await this.flushing;
  }

  /** Stops the timer and writes what is left (graceful shutdown). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    if (this.pending.size > 0) await this.flush();
  }
}

function gauge(registry: Registry): Gauge {
  const name = 'write_behind_buffer_keys';
  return (registry.getSingleMetric(name) as Gauge | undefined) ??
    new Gauge({ name, help: 'Keys with unflushed increments', labelNames: ['counter'], registers: [registry] });
}

function histogram(registry: Registry): Histogram {
  const name = 'write_behind_flush_lag_seconds';
  return (registry.getSingleMetric(name) as Histogram | undefined) ??
    new Histogram({
      name,
      help: 'Age of the oldest increment when its batch reached the database',
      labelNames: ['counter'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    });
}
