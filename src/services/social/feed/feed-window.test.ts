import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { runMigrations } from '../../../platform/db/migrations.js';
import { openDatabase } from '../../../platform/db/open-database.js';
import { createLogger } from '../../../platform/log/logger.js';
import { dbTargets } from '../../../testing/db-targets.js';
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
    const url = await target.create();
    const db = await openDatabase({ url, dataDir: 'memory://', poolMax: 2 });
    try {
      await runMigrations(db, [socialMigrations]);
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
      assert.deepEqual(first.ids, (await pull.page(VIEWER, { offset: 0, limit: 20 })).ids, 'the merged feed is the pull answer');
      assert.equal(first.total, CAP, 'articlesCount: what the feed can page, at most the cap');

      store.rows = 0;
      const far = await feed.page(VIEWER, { offset: 999_999, limit: 100 });
      assert.deepEqual(far, { ids: [], total: CAP }, 'past the window: an empty page, not an error');
      assert.ok(store.rows <= CAP, `offset 999,999 loaded ${store.rows} article rows (bound: the cap, ${CAP})`);

      store.rows = 0;
      const edge = await feed.page(VIEWER, { offset: CAP - 10, limit: 100 });
      assert.deepEqual(edge.ids, (await pull.page(VIEWER, { offset: CAP - 10, limit: 10 })).ids, 'the last page stops at the cap');
      assert.ok(store.rows <= CAP, `the last page loaded ${store.rows} rows`);
    } finally {
      await db.close();
      await target.drop(url);
    }
  });
}
