import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { WriteBehindCounter } from '../../../platform/cache/write-behind.js';
import type { Logger } from '../../../platform/log/logger.js';
import { VIEW_LOG_BUCKETS, type ArticleViewsStore } from './article-views.store.js';

/**
 * Most articles one append carries: on PGlite an append costs ~2 µs an article (docs/perf/view-log-cost.mts), so a
 * flush of 10,000 articles is ten holds of the event loop of ~2 ms rather than one of ~20.
 */
const APPEND_KEYS = 1_000;

export interface ArticleViewsOptions {
  /** WRITE_BEHIND_FLUSH_MS: how often the summed views are appended to the log (what a crash can lose). */
  flushEveryMs: number;
  /** ARTICLE_VIEWS_FOLD_MS: how often the log is folded into articles.views_count. */
  foldEveryMs: number;
  registry: Registry;
  logger: Logger;
}

/**
 * Article views, written behind in two steps. Views are summed in memory and appended to the view log every
 * WRITE_BEHIND_FLUSH_MS (a WriteBehindCounter): a crash loses what was not appended yet, as when the flush
 * updated the articles. Every ARTICLE_VIEWS_FOLD_MS the log is folded into articles.views_count, a bucket per
 * statement and a turn of the event loop between buckets: an article viewed in every second is updated once a
 * fold instead of once a second, which was the single-article reads' p99 on PGlite (docs/patterns/caching.md).
 * Any instance folds every instance's appends, and a crashed process's are folded by the next fold anywhere.
 */
export class ArticleViews {
  private readonly counter: WriteBehindCounter;
  private readonly timer: NodeJS.Timeout;
  private folding: Promise<void> | null = null;

  constructor(
    private readonly store: ArticleViewsStore,
    private readonly options: ArticleViewsOptions,
  ) {
    this.counter = new WriteBehindCounter({
      name: 'article_views',
      flushEveryMs: options.flushEveryMs,
      batchKeys: APPEND_KEYS,
      flush: (batch) => store.append(batch),
      registry: options.registry,
      logger: options.logger,
    });
    this.timer = setInterval(() => void this.fold(), options.foldEveryMs);
    this.timer.unref();
  }

  increment(articleId: number): void {
    this.counter.increment(articleId);
  }

  /** Folds the log, every bucket; a call while a fold runs shares it. Never rejects: a failed bucket stays logged for the next fold. */
  fold(): Promise<void> {
    this.folding ??= this.foldAll().finally(() => {
      this.folding = null;
    });
    return this.folding;
  }

  /** Appends what is summed, then folds the whole log (graceful shutdown): views_count is then complete. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.counter.close();
    // A fold that began before the last append may have passed its buckets already.
    while (this.folding) await this.folding;
    await this.fold();
  }

  private async foldAll(): Promise<void> {
    try {
      if (await this.store.logEmpty()) return;
      for (let bucket = 0; bucket < VIEW_LOG_BUCKETS; bucket++) {
        // As in WriteBehindCounter: on PGlite a statement resolves in the turn it was sent, so without the wait the
        // whole fold would hold the event loop.
        if (bucket > 0) await nextTurn();
        await this.store.fold(bucket);
      }
      await this.store.reclaim();
    } catch (err: unknown) {
      this.options.logger.warn({ err }, 'folding article views failed; the log keeps them for the next fold');
    }
  }
}
