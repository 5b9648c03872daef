import { setImmediate as nextTurn } from 'node:timers/promises';
import { Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../log/logger.js';

/** Writes a batch of summed increments to the source of truth, in one statement. */
export type FlushBatch = (increments: ReadonlyMap<number, number>) => Promise<void>;

export interface WriteBehindOptions {
  name: string;
  flushEveryMs: number;
  flush: FlushBatch;
  /**
   * Most keys per statement (WRITE_BEHIND_BATCH_KEYS). An interval's increments are written in batches of this
   * many, each a statement of its own, and the event loop runs between them, so a request waits for one batch, not
   * all of them: on PGlite (one connection, run on the event loop) one UPDATE of 2,000 article rows held
   * everything for 20-60 ms.
   */
  batchKeys?: number;
  registry: Registry;
  logger: Logger;
}

/**
 * Write-behind for counters: increments are summed in memory and written
 * once per interval (in batches of at most `batchKeys` keys), and at
 * shutdown. A crash loses at most the increments of the current interval
 * (WRITE_BEHIND_FLUSH_MS); a failed batch keeps its increments and those of
 * the batches after it, and retries them with the next flush.
 */
export class WriteBehindCounter {
  private pending = new Map<number, number>();
  private oldestPendingAt: number | null = null;
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly flushLag: Histogram;

  constructor(private readonly options: WriteBehindOptions) {
    // Read at scrape time: setting a labelled gauge on every increment costs more than the increment.
    countersOf(options.registry).add(this);
    this.flushLag = histogram(options.registry);
    this.timer = setInterval(() => void this.flush(), options.flushEveryMs);
    this.timer.unref();
  }

  increment(id: number, by = 1): void {
    this.pending.set(id, (this.pending.get(id) ?? 0) + by);
    this.oldestPendingAt ??= Date.now();
  }

  get name(): string {
    return this.options.name;
  }

  /** Keys with increments not yet written. */
  get buffered(): number {
    return this.pending.size;
  }

  /**
   * Writes everything buffered so far; concurrent calls share one flush.
   * Waits in a loop: another caller waiting on the same running flush may
   * start the next one (with our increments in it) before we resume, and we
   * must not return while that one is still writing.
   */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const taken = this.pending;
    const since = this.oldestPendingAt ?? Date.now();
    this.pending = new Map();
    this.oldestPendingAt = null;
    this.flushing = this.write(taken, since).finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  /**
   * Writes `taken` batch by batch, keys ascending; on a failure, what was not written goes back into pending for the
   * next flush. Ascending because instances flush the same keys at the same time (every WRITE_BEHIND_FLUSH_MS): an
   * UPDATE locks its rows in the order it is given them, and two in opposite orders deadlocked (Postgres then aborts
   * one after deadlock_timeout, a second's wait and a retried batch).
   */
  private async write(taken: Map<number, number>, since: number): Promise<void> {
    const entries = [...taken].sort(([a], [b]) => a - b);
    const size = this.options.batchKeys ?? entries.length;
    for (let start = 0; start < entries.length; start += size) {
      // A batch that resolves at once (PGlite runs its statement on the event loop) would start the next in the
      // same turn, and the whole flush held the loop: requests read meanwhile go first
      // (docs/perf/flush-event-loop-gap.mts).
      if (start > 0) await nextTurn();
      try {
        await this.options.flush(new Map(entries.slice(start, start + size)));
      } catch (err: unknown) {
        const unwritten = entries.slice(start);
        this.options.logger.warn({ err, counter: this.options.name, keys: unwritten.length }, 'write-behind flush failed; will retry');
        for (const [id, by] of unwritten) this.pending.set(id, (this.pending.get(id) ?? 0) + by);
        this.oldestPendingAt = Math.min(this.oldestPendingAt ?? since, since);
        return;
      }
    }
    this.flushLag.observe({ counter: this.options.name }, (Date.now() - since) / 1000);
  }

  /**
   * Stops the timer, waits for any flush in progress and writes what is left
   * (graceful shutdown): when it resolves no flush is running, so the caller
   * may close the database. A batch that fails twice here is logged and lost.
   */
  async close(): Promise<void> {
    clearInterval(this.timer);
    countersOf(this.options.registry).delete(this);
    await this.flush();
    if (this.pending.size > 0) await this.flush();
  }
}

const countersByRegistry = new WeakMap<Registry, Set<WriteBehindCounter>>();

/** The counters reporting to `registry`, and its buffer-size gauge (made once per registry). */
function countersOf(registry: Registry): Set<WriteBehindCounter> {
  let counters = countersByRegistry.get(registry);
  if (!counters) {
    const live = new Set<WriteBehindCounter>();
    counters = live;
    countersByRegistry.set(registry, live);
    new Gauge({
      name: 'write_behind_buffer_keys',
      help: 'Keys with unflushed increments',
      labelNames: ['counter'],
      registers: [registry],
      collect() {
        for (const counter of live) this.set({ counter: counter.name }, counter.buffered);
      },
    });
  }
  return counters;
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
