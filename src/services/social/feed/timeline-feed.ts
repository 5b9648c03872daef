import type { Page } from '../data/articles.store.js';
import type { FeedStore } from '../data/feed.store.js';
import type { FeedEntry, FeedStrategy } from './feed-strategy.js';
import type { Logger } from '../../../platform/log/logger.js';
import type { FeedMetrics } from './feed-metrics.js';
import type { FollowedCelebrities } from './followed-celebrities.js';
import type { CelebrityHeads } from './celebrity-heads.js';
import { newestFirst, type TimelineEntry, type TimelineStore, type TimelineWindow } from './timelines/timeline-store.js';
import { isBrokenCircuitError, isIsolatedCircuitError } from 'cockatiel';

export interface TimelineFeedOptions {
  name: 'push' | 'hybrid';
  /** Authors with at least this many followers are merged at read instead of fanned out (Infinity: pure push). */
  celebrityThreshold: number;
  cap: number;
}

/** Records feed reads (activity) at most once an hour per user and process: a feed read must not cost a write. */
const TOUCH_EVERY_MS = 3_600_000;

const DONE: Promise<void> = Promise.resolve();

/**
 * Fan-out on write (push), optionally with read-time merging of followed
 * celebrities (hybrid). The timeline holds non-celebrity authors' articles;
 * a missing timeline is rebuilt from Postgres; celebrities' newest articles
 * are merged in at read. Writes happen in ./fanout.ts.
 */
export class TimelineFeed implements FeedStrategy {
  readonly name: string;
  close?: () => Promise<void>;
  private readonly touched = new Map<number, number>();
  /** Followers whose timeline could not be dropped after a follow change (the store was away). */
  private readonly pendingDrops = new Set<number>();

  constructor(
    private readonly options: TimelineFeedOptions,
    private readonly store: FeedStore,
    private readonly timelines: TimelineStore,
    private readonly metrics: FeedMetrics,
    private readonly logger: Logger,
    /** The cached sets behind "which celebrities does the viewer follow"; absent, the store is asked on each read. */
    private readonly celebrities?: FollowedCelebrities,
    /** The celebrities' newest articles, cached per celebrity; absent, the merge statement runs on each read. */
    private readonly heads?: CelebrityHeads,
  ) {
    this.name = options.name;
  }

  /**
   * The feed is the newest `cap` items (what a timeline holds), celebrities
   * merged in: pages end at the cap, a page past it is empty, and
   * `total` counts what can be paged (at most the cap). So a read never
   * loads more than `cap` rows, whatever the offset (the route accepts up
   * to 1,000,000 for every list).
   */
  async page(viewerId: number, page: Page): Promise<{ entries: FeedEntry[]; total: number }> {
    // Recorded beside the read, not before it: a reader whose timeline exists is active already, so only a
    // rebuild waits for the record (see rebuild). A failure is retried on the reader's next read.
    const touched = this.touch(viewerId);
    touched.catch((err: Error) => this.logger.warn({ err: err.message, userId: viewerId }, 'feed read not recorded (fan-out activity); retried on the next read'));
    const { cap } = this.options;
    const end = Math.min(page.offset + page.limit, cap);
    const inWindow = page.offset < end;
    // The timeline is read while the followed celebrities are worked out: on a reader's first read in a while
    // that means loading their followings, and the two waits overlap instead of following each other. The
    // celebrities' heads come after, from memory (CelebrityHeads) nearly always. Past the window only the
    // counts are needed.
    const followed = this.celebritiesFollowedBy(viewerId);
    const [celebrities, head] = await Promise.all([followed, this.timeline(viewerId, followed, inWindow ? end : 0, touched)]);
    const merged = await (this.heads ?? this.store).recentBy(celebrities, inWindow ? end : 0);
    const own = await this.withoutCopies(viewerId, celebrities, head, merged.total, touched);
    if (celebrities.length > 0) this.metrics.merged.observe({ strategy: this.name }, merged.entries.length);
    const window = inWindow ? mergeNewestFirst(own.entries, merged.entries).slice(page.offset, end) : [];
    return { entries: window.map(({ articleId, authorId }) => ({ articleId, authorId })), total: Math.min(own.size + merged.total, cap) };
  }

  /**
   * The timeline's head without copies of the followed celebrities' articles (fanned out before they crossed the
   * threshold; they are merged at read now), and a size that gives the right articlesCount. The head settles both
   * when it held no copy (or is the whole timeline) and the count is at the cap whatever the rest holds; otherwise
   * the whole timeline is read and filtered.
   */
  private async withoutCopies(viewerId: number, celebrities: number[], head: TimelineWindow, mergedTotal: number, touched: Promise<void>): Promise<TimelineWindow> {
    if (celebrities.length === 0) return head;
    const excluded = new Set(celebrities);
    const keep = (entries: TimelineEntry[]) => entries.filter((e) => !excluded.has(e.authorId));
    const own = keep(head.entries);
    const unread = head.size - head.entries.length;
    if (unread === 0) return whole(own);
    if (own.length === head.entries.length && own.length + mergedTotal >= this.options.cap) return { entries: own, size: head.size };
    return whole(keep((await this.timeline(viewerId, Promise.resolve(celebrities), this.options.cap, touched)).entries));
  }

  /** The authors the viewer follows whose articles are merged at read (none under pure push). */
  private celebritiesFollowedBy(viewerId: number): Promise<number[]> {
    const threshold = this.options.celebrityThreshold;
    if (!Number.isFinite(threshold)) return Promise.resolve([]);
    return this.celebrities ? this.celebrities.of(viewerId, threshold) : this.store.celebritiesFollowedBy(viewerId, threshold);
  }

  /**
   * A follow or unfollow changes what the timeline should hold: drop it, the next read rebuilds it.
   * While the timeline store is away the follow still succeeds; the drop is retried before that
   * user's next timeline read (until then their feed comes from Postgres).
   */
  async onFollowChanged(followerId: number): Promise<void> {
    try {
      await this.timelines.drop(followerId);
      this.pendingDrops.delete(followerId);
    } catch (err) {
      this.pendingDrops.add(followerId);
      this.warnUnavailable(err);
    }
  }

  /**
   * The stored timeline's newest `limit` entries, rebuilt when missing (once `touched`, the reader's activity
   * record, is written); straight from Postgres when the timeline store is down. `celebrities` (what a rebuild
   * leaves out) is awaited only by a rebuild or that fallback: a stored timeline is read without it.
   */
  private async timeline(viewerId: number, celebrities: Promise<number[]>, limit: number, touched: Promise<void>): Promise<TimelineWindow> {
    let stored: TimelineWindow | null;
    try {
      if (this.pendingDrops.has(viewerId)) {
        await this.timelines.drop(viewerId);
        this.pendingDrops.delete(viewerId);
      }
      stored = await this.timelines.read(viewerId, limit);
    } catch (err) {
      return this.fromPostgres(viewerId, await celebrities, err);
    }
    if (stored) return stored;
    // Outside the store's error handling: a failed celebrity lookup fails the page (page()), it is no outage.
    const excluded = await celebrities;
    try {
      return await this.rebuild(viewerId, excluded, limit, touched);
    } catch (err) {
      return this.fromPostgres(viewerId, excluded, err);
    }
  }

  private async fromPostgres(viewerId: number, celebrities: number[], err: unknown): Promise<TimelineWindow> {
    this.warnUnavailable(err);
    return whole(await this.store.timelineOf(viewerId, celebrities, this.options.cap));
  }

  /** Once per outage, not once per request: an open breaker's rejections are the outage continuing. */
  private warnUnavailable(err: unknown): void {
    if (isBrokenCircuitError(err) || isIsolatedCircuitError(err)) return;
    this.logger.warn({ err: (err as Error).message }, 'timeline store unavailable: feed read from Postgres');
  }

  /**
   * Waits until the reader is recorded as active, then opens the timeline before reading Postgres: a post
   * committed before a fan-out chunk could see this reader is in what Postgres returns, and a chunk after it
   * finds the timeline open and lands in it instead of skipping it as "no timeline". (Before the record, the
   * chunk would skip an inactive reader, and the post might reach neither.) If the record failed, nothing is
   * opened: the read is served from Postgres (timeline()).
   */
  private async rebuild(viewerId: number, celebrities: number[], limit: number, touched: Promise<void>): Promise<TimelineWindow> {
    await touched;
    this.metrics.rebuilds.inc({ strategy: this.name });
    await this.timelines.open(viewerId);
    const entries = await this.store.timelineOf(viewerId, celebrities, this.options.cap);
    await this.timelines.fill(viewerId, entries);
    return (await this.timelines.read(viewerId, limit)) ?? whole(entries);
  }

  /** Records the read (at most once per TOUCH_EVERY_MS per reader and process); forgets it if the write failed. */
  private touch(viewerId: number): Promise<void> {
    const now = Date.now();
    if (now - (this.touched.get(viewerId) ?? 0) < TOUCH_EVERY_MS) return DONE;
    if (this.touched.size > 100_000) this.touched.clear();
    this.touched.set(viewerId, now);
    return this.store.touchReader(viewerId).catch((err: unknown) => {
      this.touched.delete(viewerId);
      throw err;
    });
  }
}

function whole(entries: TimelineEntry[]): TimelineWindow {
  return { entries, size: entries.length };
}

/** Two newest-first lists into one, newest first; an article in both appears once. */
export function mergeNewestFirst(a: readonly TimelineEntry[], b: readonly TimelineEntry[]): TimelineEntry[] {
  if (b.length === 0) return [...a];
  const seen = new Set<number>();
  return [...a, ...b].sort(newestFirst).filter((e) => !seen.has(e.articleId) && seen.add(e.articleId));
}
