import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { createLogger } from '../../../platform/log/logger.js';
import { dbTargets, withMigratedDatabase } from '../../../testing/db-targets.js';
import { ArticlesStore } from '../data/articles.store.js';
import { FeedStore } from '../data/feed.store.js';
import { socialMigrations } from '../migrations.js';
import { FeedMetrics } from './feed-metrics.js';
import { pullFeed } from './pull-feed.js';
import { TimelineFeed } from './timeline-feed.js';
import { memoryTimelines } from './timelines/memory-timelines.js';
import type { TimelineEntry } from './timelines/timeline-store.js';

const CAP = 50;
const CELEBRITY = 1;
const VIEWER = 2;
const FRIEND = 3;

/** The real FeedStore, counting the article rows each query brought into this process. */
class CountingFeedStore extends FeedStore {
  rows = 0;
  override async recentBy(authorIds: readonly number[], limit: number): Promise<{ entries: TimelineEntry[]; total: number }> {
    const result = await super.recentBy(authorIds, limit);
    this.rows += result.entries.length;
    return result;
  }
  override async timelineOf(viewerId: number, excluded: readonly number[], limit: number): Promise<TimelineEntry[]> {
    const entries = await super.timelineOf(viewerId, excluded, limit);
    this.rows += entries.length;
    return entries;
  }
}

for (const target of await dbTargets()) {
  test(`hybrid feed (${target.name}): pages only within the newest FEED_TIMELINE_CAP; offset 999,999 is an empty page that loads no more than the cap`, { ...target.options, timeout: 60_000 }, async () => {
    await withMigratedDatabase(target, [socialMigrations], async (db) => {
      const k = db.as<Record<string, never>>();
      // A celebrity with 6× the cap in articles (merged at read) and a friend with a few (fanned out): the viewer follows both.
      await sql`insert into social.articles (slug, title, description, body, author_id, created_at)
        select 'celebrity-' || g, 't', 'd', 'b', ${CELEBRITY}, now() - g * interval '1 minute' from generate_series(1, ${CAP * 6}) g`.execute(k);
      await sql`insert into social.articles (slug, title, description, body, author_id, created_at)
        select 'friend-' || g, 't', 'd', 'b', ${FRIEND}, now() - g * interval '7 minutes' - interval '30 seconds' from generate_series(1, 20) g`.execute(k);
      await sql`insert into social.follows (follower_id, followee_id) values (${VIEWER}, ${CELEBRITY}), (${VIEWER}, ${FRIEND})`.execute(k);
      await sql`insert into social.author_stats (author_id, followers_count) values (${CELEBRITY}, 1000), (${FRIEND}, 1)
        on conflict (author_id) do update set followers_count = excluded.followers_count`.execute(k);

      const store = new CountingFeedStore(db);
      const feed = new TimelineFeed({ name: 'hybrid', celebrityThreshold: 100, cap: CAP }, store, memoryTimelines({ cap: CAP, lifetimeMs: 60_000 }),
        new FeedMetrics(new Registry()), createLogger({ level: 'silent', pretty: false }));
      const pull = pullFeed(new ArticlesStore(db));

      const first = await feed.page(VIEWER, { offset: 0, limit: 20 }); // builds the timeline
      assert.deepEqual(first.entries, (await pull.page(VIEWER, { offset: 0, limit: 20 })).entries, 'the merged feed is the pull answer');
      assert.equal(first.total, CAP, 'articlesCount: what the feed can page, at most the cap');

      store.rows = 0;
      const far = await feed.page(VIEWER, { offset: 999_999, limit: 100 });
      assert.deepEqual(far, { entries: [], total: CAP }, 'past the window: an empty page, not an error');
      assert.ok(store.rows <= CAP, `offset 999,999 loaded ${store.rows} article rows (bound: the cap, ${CAP})`);

      store.rows = 0;
      const edge = await feed.page(VIEWER, { offset: CAP - 10, limit: 100 });
      assert.deepEqual(edge.entries, (await pull.page(VIEWER, { offset: CAP - 10, limit: 10 })).entries, 'the last page stops at the cap');
      assert.ok(store.rows <= CAP, `the last page loaded ${store.rows} rows`);
    });
  });

  test(`timeline feed (${target.name}): without a followed celebrity a page reads only the timeline's head, and counts the whole timeline`, { ...target.options, timeout: 60_000 }, async () => {
    await withMigratedDatabase(target, [socialMigrations], async (db) => {
      const k = db.as<Record<string, never>>();
      await sql`insert into social.articles (slug, title, description, body, author_id, created_at)
        select 'friend-' || g, 't', 'd', 'b', ${FRIEND}, now() - g * interval '1 minute' from generate_series(1, 30) g`.execute(k);
      await sql`insert into social.follows (follower_id, followee_id) values (${VIEWER}, ${FRIEND})`.execute(k);
      const timelines = memoryTimelines({ cap: CAP, lifetimeMs: 60_000 });
      const limits: (number | undefined)[] = [];
      const spied = { ...timelines, read: (userId: number, limit?: number) => (limits.push(limit), timelines.read(userId, limit)) };
      const feed = new TimelineFeed({ name: 'hybrid', celebrityThreshold: 100, cap: CAP }, new FeedStore(db), spied,
        new FeedMetrics(new Registry()), createLogger({ level: 'silent', pretty: false }));
      const pull = pullFeed(new ArticlesStore(db));

      await feed.page(VIEWER, { offset: 0, limit: 5 }); // builds the timeline
      limits.length = 0;
      const second = await feed.page(VIEWER, { offset: 5, limit: 5 });
      assert.deepEqual(second, await pull.page(VIEWER, { offset: 5, limit: 5 }), 'the page and articlesCount are the pull answer');
      assert.deepEqual(limits, [10], 'read the newest offset + limit entries only');
      limits.length = 0;
      assert.deepEqual(await feed.page(VIEWER, { offset: 999, limit: 5 }), { entries: [], total: 30 });
      assert.deepEqual(limits, [0], 'past the window: the size only');
    });
  });

  test(`timeline feed (${target.name}): copies of a followed celebrity's articles in the timeline are neither shown twice nor counted; the head alone serves once the count is at the cap`, { ...target.options, timeout: 60_000 }, async () => {
    await withMigratedDatabase(target, [socialMigrations], async (db) => {
      const k = db.as<Record<string, never>>();
      // The celebrity (3 articles, interleaved with the friend's 5) crossed the threshold after being fanned out:
      // the viewer's timeline holds all 8, and the celebrity's 3 are merged at read as well.
      await sql`insert into social.articles (slug, title, description, body, author_id, created_at)
        select 'mixed-' || g, 't', 'd', 'b', case when g % 3 = 0 then ${CELEBRITY}::bigint else ${FRIEND}::bigint end,
          now() - g * interval '1 minute' from generate_series(1, 8) g`.execute(k);
      await sql`insert into social.follows (follower_id, followee_id) values (${VIEWER}, ${CELEBRITY}), (${VIEWER}, ${FRIEND})`.execute(k);
      await sql`insert into social.author_stats (author_id, followers_count) values (${CELEBRITY}, 1000), (${FRIEND}, 1)
        on conflict (author_id) do update set followers_count = excluded.followers_count`.execute(k);
      const timelines = memoryTimelines({ cap: CAP, lifetimeMs: 60_000 });
      const limits: (number | undefined)[] = [];
      const spied = { ...timelines, read: (userId: number, limit?: number) => (limits.push(limit), timelines.read(userId, limit)) };
      const store = new FeedStore(db);
      await timelines.open(VIEWER);
      await timelines.fill(VIEWER, await store.timelineOf(VIEWER, [], CAP));
      const feed = new TimelineFeed({ name: 'hybrid', celebrityThreshold: 100, cap: CAP }, store, spied,
        new FeedMetrics(new Registry()), createLogger({ level: 'silent', pretty: false }));
      const pull = pullFeed(new ArticlesStore(db));

      for (const page of [{ offset: 0, limit: 2 }, { offset: 2, limit: 3 }, { offset: 6, limit: 5 }]) {
        assert.deepEqual(await feed.page(VIEWER, page), await pull.page(VIEWER, page), `page ${JSON.stringify(page)}: the pull answer, articlesCount 8`);
      }
      assert.ok(limits.includes(CAP), 'with copies in the timeline and the count under the cap, the whole timeline was read');

      // 300 more articles by the celebrity: the count is at the cap whatever the timeline's tail holds.
      await sql`insert into social.articles (slug, title, description, body, author_id, created_at)
        select 'celebrity-' || g, 't', 'd', 'b', ${CELEBRITY}, now() - interval '1 day' - g * interval '1 minute' from generate_series(1, 300) g`.execute(k);
      await sql`update social.author_stats set articles_count = 303 where author_id = ${CELEBRITY}`.execute(k);
      await timelines.drop(VIEWER);
      await timelines.open(VIEWER);
      await timelines.fill(VIEWER, await store.timelineOf(VIEWER, [CELEBRITY], CAP)); // the friend's 5 only: no copies
      limits.length = 0;
      const head = await feed.page(VIEWER, { offset: 0, limit: 2 });
      assert.deepEqual(head, { entries: (await pull.page(VIEWER, { offset: 0, limit: 2 })).entries, total: CAP }, 'the pull page; articlesCount at the cap');
      assert.deepEqual(limits, [2], 'the head alone');
    });
  });

  test(`hybrid feed (${target.name}): a read asks for the stored timeline while the viewer's celebrities are still being worked out, and a rebuild still leaves them out`, { ...target.options, timeout: 60_000 }, async () => {
    await withMigratedDatabase(target, [socialMigrations], async (db) => {
      const k = db.as<Record<string, never>>();
      await sql`insert into social.articles (slug, title, description, body, author_id, created_at)
        select 'overlap-' || g, 't', 'd', 'b', case when g % 2 = 0 then ${CELEBRITY}::bigint else ${FRIEND}::bigint end,
          now() - g * interval '1 minute' from generate_series(1, 10) g`.execute(k);
      await sql`insert into social.follows (follower_id, followee_id) values (${VIEWER}, ${CELEBRITY}), (${VIEWER}, ${FRIEND})`.execute(k);
      await sql`insert into social.author_stats (author_id, followers_count) values (${CELEBRITY}, 1000), (${FRIEND}, 1)
        on conflict (author_id) do update set followers_count = excluded.followers_count`.execute(k);
      const timelines = memoryTimelines({ cap: CAP, lifetimeMs: 60_000 });
      let timelineAsked: () => void = () => {};
      const asked = new Promise<void>((resolve) => (timelineAsked = resolve));
      const spied = { ...timelines, read: (userId: number, limit?: number) => (timelineAsked(), timelines.read(userId, limit)) };
      // The viewer's celebrities answer once the timeline was asked for (or after 2 s): a read that waits for them
      // before it asks gets them late, and says so.
      const order: string[] = [];
      class GatedStore extends FeedStore {
        override async celebritiesFollowedBy(viewerId: number, threshold: number): Promise<number[]> {
          const first = await Promise.race([asked.then(() => 'timeline asked first'), new Promise<string>((r) => setTimeout(() => r('celebrities answered first'), 2000))]);
          order.push(first);
          return super.celebritiesFollowedBy(viewerId, threshold);
        }
      }
      const feed = new TimelineFeed({ name: 'hybrid', celebrityThreshold: 100, cap: CAP }, new GatedStore(db), spied,
        new FeedMetrics(new Registry()), createLogger({ level: 'silent', pretty: false }));
      const pull = pullFeed(new ArticlesStore(db));

      const page = await feed.page(VIEWER, { offset: 0, limit: 10 }); // no timeline yet: rebuilt, without the celebrity's
      assert.deepEqual(order, ['timeline asked first']);
      assert.deepEqual(page, await pull.page(VIEWER, { offset: 0, limit: 10 }), 'the pull answer: the celebrity merged once, not copied');
      const stored = await timelines.read(VIEWER, CAP);
      assert.deepEqual(new Set(stored?.entries.map((e) => e.authorId)), new Set([FRIEND]), 'the rebuilt timeline holds no celebrity article');
    });
  });
}
