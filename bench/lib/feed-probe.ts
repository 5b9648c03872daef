import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { openDatabase } from '../../src/platform/db/open-database.js';
import type { Database } from '../../src/platform/db/database.js';
import { FeedStore } from '../../src/services/social/data/feed.store.js';
import { redisTimelines } from '../../src/services/social/feed/timelines/redis-timelines.js';
import type { TimelineStore } from '../../src/services/social/feed/timelines/timeline-store.js';
import { forEachBounded } from './pool.js';
import type { DueChunk } from './fanout-chunks.js';

export interface ProbeSettings {
  databaseUrl: string;
  redisUrl: string;
  /** The system's CACHE_PREFIX: its timelines are `<prefix>:timeline:<user id>`. */
  prefix: string;
  chunk: number;
  activeDays: number;
  /** Authors at or over it are not fanned out: the hybrid threshold, Infinity for push, 0 for pull. */
  celebrityThreshold: number;
}

export interface Post {
  articleId: number;
  authorId: number;
  publishedAt: number;
}

/**
 * The feed benchmark's view into one strategy's database and timelines,
 * through the service's own queries (FeedStore) and timeline store, so the
 * chunks it expects are the chunks the fan-out writes.
 */
export class FeedProbe {
  private readonly followersOf = new Map<number, number[][]>();

  private constructor(
    private readonly db: Database,
    private readonly store: FeedStore,
    private readonly redis: Redis,
    private readonly timelines: TimelineStore,
    private readonly settings: ProbeSettings,
  ) {}

  static async open(settings: ProbeSettings): Promise<FeedProbe> {
    const db = await openDatabase({ url: settings.databaseUrl, dataDir: 'memory://', poolMax: 4 });
    const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 1 });
    // Lifetime matches the system's, since read() refreshes it.
    const timelines = redisTimelines(redis, settings.prefix, { cap: 800, lifetimeMs: settings.activeDays * 86_400_000 });
    return new FeedProbe(db, new FeedStore(db), redis, timelines, settings);
  }

  /** Users who read their feed within FEED_INACTIVE_DAYS: the ones fan-out writes to. */
  async activeReaders(): Promise<number[]> {
    const { rows } = await sql<{ user_id: number }>`select user_id from social.feed_readers
      where last_read_at > now() - make_interval(days => ${this.settings.activeDays}) order by user_id`.execute(this.db.as());
    return rows.map((r) => Number(r.user_id));
  }

  /** Articles created in [fromMs, toMs], oldest first. */
  async posts(fromMs: number, toMs: number): Promise<Post[]> {
    const { rows } = await sql<{ id: number; author_id: number; created_at: Date }>`select id, author_id, created_at from social.articles
      where created_at >= to_timestamp(${fromMs / 1000}) and created_at <= to_timestamp(${toMs / 1000}) order by created_at, id`.execute(this.db.as());
    return rows.map((r) => ({ articleId: Number(r.id), authorId: Number(r.author_id), publishedAt: r.created_at.getTime() }));
  }

  /** Every chunk fan-out owes for these posts: the author's active followers, paged as fanout.ts pages them. */
  async dueChunks(posts: readonly Post[]): Promise<Array<DueChunk & { followers: number }>> {
    const out: Array<DueChunk & { followers: number }> = [];
    for (const post of posts) {
      for (const page of await this.pages(post.authorId)) out.push({ articleId: post.articleId, publishedAt: post.publishedAt, firstFollower: page[0]!, followers: page.length });
    }
    return out;
  }

  /**
   * The chunks whose first follower's timeline does not hold the article (one
   * Lua call writes a whole chunk). Each timeline is read once. A follower
   * without a timeline counts as undelivered, and is reported in `noTimeline`.
   */
  async undelivered<C extends DueChunk>(chunks: readonly C[]): Promise<{ missing: Set<C>; noTimeline: number }> {
    const byFollower = new Map<number, C[]>();
    for (const c of chunks) byFollower.set(c.firstFollower, [...(byFollower.get(c.firstFollower) ?? []), c]);
    const followers = [...byFollower.keys()];
    const missing = new Set<C>();
    let noTimeline = 0;
    await forEachBounded(followers.length, 16, async (i) => {
      const timeline = await this.timelines.read(followers[i]!);
      if (timeline === null) noTimeline++;
      const held = new Set((timeline?.entries ?? []).map((e) => e.articleId));
      for (const c of byFollower.get(followers[i]!)!) if (!held.has(c.articleId)) missing.add(c);
    });
    return { missing, noTimeline };
  }

  /** Redis memory in use (bytes), to report what the warm timelines cost. */
  async redisMemory(): Promise<number> {
    const info = await this.redis.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
  }

  /** Deletes every key under the prefix (the strategy's timelines and cache), so the shared Redis keeps nothing. */
  async deleteKeys(): Promise<number> {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.settings.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await this.redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    await this.db.close();
  }

  private async pages(authorId: number): Promise<number[][]> {
    let pages = this.followersOf.get(authorId);
    if (pages) return pages;
    pages = [];
    if ((await this.store.followersCount(authorId)) < this.settings.celebrityThreshold) {
      for (let after = 0; ; ) {
        const page = await this.store.followers(authorId, after, this.settings.chunk, this.settings.activeDays);
        if (page.length > 0) pages.push(page);
        if (page.length < this.settings.chunk) break;
        after = page.at(-1)!;
      }
    }
    this.followersOf.set(authorId, pages);
    return pages;
  }
}
