import type { Cache } from '../../../platform/cache/cache.js';
import type { FeedStore } from '../data/feed.store.js';
import { newestFirst, type TimelineEntry } from './timelines/timeline-store.js';

/** Newest articles kept per celebrity: a page ending past this (offset + limit > HEAD) reads Postgres. */
const HEAD = 100;

/** A celebrity's newest `HEAD` articles and how many they have in all. */
interface Head {
  entries: TimelineEntry[];
  total: number;
}

const key = (authorId: number) => `newest:${authorId}`;

/**
 * Hybrid's read-time merge from a cached head per celebrity, not a statement per feed read: every follower of
 * a celebrity reads the same few newest articles, and only the celebrity's own publish or delete changes
 * them (`changed`, called before that write answers). So while the top author posts, one read per post
 * reloads their head (one loader per key, however many ask) and every other read merges from memory;
 * before, each of those reads ran the merge statement against Postgres.
 * With the cache off (CACHE_ENABLED=false) each read runs the one merge statement, as before.
 */
export class CelebrityHeads {
  /**
   * Heads this process is replacing after their celebrity's write, with the number of writes doing so: what its
   * readers are served until the new head is loaded (see `changed`).
   */
  private readonly replacing = new Map<number, { head: Head; writes: number }>();

  constructor(
    private readonly store: FeedStore,
    private readonly cache: Cache,
    private readonly useCache: boolean,
  ) {}

  /** The newest `limit` articles by `authorIds`, newest first, and how many they have in all. */
  async recentBy(authorIds: readonly number[], limit: number): Promise<{ entries: TimelineEntry[]; total: number }> {
    if (!this.useCache || limit > HEAD || authorIds.length === 0) return this.store.recentBy(authorIds, limit);
    const heads = await Promise.all(authorIds.map((id) => this.current(id) ?? this.load(id)));
    let total = 0;
    for (const head of heads) total += head.total;
    const entries = heads.length === 1 ? heads[0]!.entries.slice(0, limit) : heads.flatMap((h) => h.entries.slice(0, limit)).sort(newestFirst).slice(0, limit);
    return { entries, total };
  }

  /**
   * After `authorId` published or deleted an article: their cached head is dropped, in every instance, and
   * loaded again when this instance was serving it. Their followers' next reads then find the new head instead
   * of waiting together on one reload after each post.
   *
   * While it reloads, this process's readers are served the head it replaces: they overlap the write (it has not
   * answered yet), so either head is a right answer for them, and they do not queue behind the reload's statement
   * while Postgres is busy with the write. At the top author's 10 posts a second, that wait fell on every feed read
   * of their followers that began in the few milliseconds of each reload. The write answers only once the new head
   * replaced the old (or, if the reload failed, once the old is no longer served), so its own next read sees it.
   */
  async changed(authorId: number): Promise<void> {
    // Even with this process's cache off: other processes may be serving the head (CACHE_ENABLED is per process).
    const head = this.current(authorId);
    if (head === undefined) return this.cache.delete('article', key(authorId));
    const replacing = this.replacing.get(authorId) ?? { head, writes: 0 };
    this.replacing.set(authorId, replacing);
    replacing.writes++;
    try {
      await this.cache.delete('article', key(authorId));
      await this.load(authorId);
    } finally {
      if (--replacing.writes === 0) this.replacing.delete(authorId);
    }
  }

  /** The head this process serves now, if any: its cached copy, or the one a write is replacing. */
  private current(authorId: number): Head | undefined {
    return this.cache.peek<Head>('article', key(authorId)) ?? this.replacing.get(authorId)?.head;
  }

  private load(authorId: number): Promise<Head> {
    return this.cache.getOrLoad('article', key(authorId), () => this.store.recentBy([authorId], HEAD));
  }
}
