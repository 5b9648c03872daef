import type { Logger } from '../../../platform/log/logger.js';
import type { ClickEvent } from '../domain/click.js';
import type { ClickStore } from './click-store.js';

/** Past this many unwritten events (the store is failing), the oldest are dropped: memory stays bounded. */
const MAX_BUFFERED = 1_000_000;

/**
 * Click events go to the column store in batches, like the click counters go
 * to Postgres (write-behind): a column store wants few large appends, never
 * one insert per redirect. A crash loses at most the current interval's events.
 */
export class ClickBatcher {
  private buffer: ClickEvent[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  /**
   * The buffer may pass its bound by this much before the oldest are cut in one splice:
   * dropping one event per record (shift) moved the whole million-entry array each time,
   * so a failing store made every redirect O(n). Cut in bulk, a record stays O(1) amortized.
   */
  private readonly slack: number;
  dropped = 0;

  constructor(
    private readonly store: ClickStore,
    flushEveryMs: number,
    private readonly logger: Logger,
    private readonly maxBuffered = MAX_BUFFERED,
  ) {
    this.slack = Math.max(1, Math.floor(maxBuffered / 16));
    this.timer = setInterval(() => void this.flush(), flushEveryMs);
    this.timer.unref();
  }

  record(event: ClickEvent): void {
    this.buffer.push(event);
    if (this.buffer.length > this.maxBuffered + this.slack) this.dropOldest();
  }

  /** Keeps the newest `maxBuffered` events. */
  private dropOldest(): void {
    const excess = this.buffer.length - this.maxBuffered;
    if (excess <= 0) return;
    this.buffer.splice(0, excess);
    this.dropped += excess;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Writes everything recorded before the call (concurrent callers wait for the flush in progress first). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.store
      .append(batch)
      .catch((err: unknown) => {
        this.logger.warn({ err, events: batch.length }, 'click batch not written; will retry');
        this.buffer = batch.concat(this.buffer);
        this.dropOldest();
      })
      .finally(() => {
        this.flushing = null;
      });
    await this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    if (this.buffer.length > 0) await this.flush();
  }
}
