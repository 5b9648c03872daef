/**
 * A feed read records its reader as active (social.feed_readers: fan-out goes to active readers only) without
 * waiting for that write when the reader's timeline exists; a rebuild waits for it, or a post committed
 * meanwhile could reach neither the rebuilt timeline nor the fan-out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { createLogger } from '../../../platform/log/logger.js';
import { dbTargets, withMigratedDatabase } from '../../../testing/db-targets.js';
import { FeedStore } from '../data/feed.store.js';
import { socialMigrations } from '../migrations.js';
import { FeedMetrics } from './feed-metrics.js';
import { TimelineFeed } from './timeline-feed.js';
import { memoryTimelines } from './timelines/memory-timelines.js';
import type { TimelineEntry } from './timelines/timeline-store.js';

const VIEWER = 2;
const FRIEND = 3;

/** The real FeedStore whose activity write waits for `release` (or fails), noting what ran while it waited. */
class HeldTouchStore extends FeedStore {
  events: string[] = [];
  private release: (() => void) | undefined;
  private fail: ((err: Error) => void) | undefined;
  touches = 0;

  override async touchReader(userId: number): Promise<void> {
    this.touches++;
    this.events.push('touch started');
    await new Promise<void>((resolve, reject) => ((this.release = resolve), (this.fail = reject)));
    await super.touchReader(userId);
    this.events.push('touch written');
  }

  override async timelineOf(viewerId: number, excluded: readonly number[], limit: number): Promise<TimelineEntry[]> {
    this.events.push('timeline read from Postgres');
    return super.timelineOf(viewerId, excluded, limit);
  }

  releaseTouch(): void {
    this.release?.();
  }

  failTouch(): void {
    this.fail?.(new Error('database away'));
  }
}

const settled = (promise: Promise<unknown>) => Promise.race([promise.then(() => true, () => true), new Promise((r) => setTimeout(() => r(false), 200))]);

for (const target of await dbTargets()) {
  test(`feed activity (${target.name}): a read with a timeline does not wait for its activity record; a rebuild does, and a failed record is retried`, { ...target.options, timeout: 60_000 }, async () => {
    await withMigratedDatabase(target, [socialMigrations], async (db) => {
      const k = db.as<Record<string, never>>();
      await sql`insert into social.articles (slug, title, description, body, author_id, created_at)
        select 'friend-' || g, 't', 'd', 'b', ${FRIEND}, now() - g * interval '1 minute' from generate_series(1, 5) g`.execute(k);
      await sql`insert into social.follows (follower_id, followee_id) values (${VIEWER}, ${FRIEND})`.execute(k);
      const timelines = memoryTimelines({ cap: 50, lifetimeMs: 60_000 });
      const feed = () => new TimelineFeed({ name: 'push', celebrityThreshold: Infinity, cap: 50 }, store, timelines,
        new FeedMetrics(new Registry()), createLogger({ level: 'silent', pretty: false }));
      const store = new HeldTouchStore(db);

      // No timeline: the rebuild reads Postgres only once the reader is recorded.
      const first = feed();
      const building = first.page(VIEWER, { offset: 0, limit: 20 });
      assert.equal(await settled(building), false, 'the rebuild waits for the activity record');
      assert.deepEqual(store.events, ['touch started']);
      store.releaseTouch();
      assert.equal((await building).entries.length, 5);
      assert.deepEqual(store.events, ['touch started', 'touch written', 'timeline read from Postgres']);

      // The timeline exists: a new process's first read (its own record due) answers while the record is held.
      store.events = [];
      const second = feed();
      const read = second.page(VIEWER, { offset: 0, limit: 20 });
      assert.equal(await settled(read), true, 'answered with the record still held');
      assert.equal((await read).entries.length, 5);
      assert.deepEqual(store.events, ['touch started'], 'from the timeline, not from Postgres');
      store.failTouch();

      // The failed record is not taken as done: the next read writes it.
      await new Promise((r) => setTimeout(r, 20));
      const again = second.page(VIEWER, { offset: 0, limit: 20 });
      assert.equal(await settled(again), true);
      assert.equal(store.touches, 3, 'the next read records the reader again');
      store.releaseTouch();
      await new Promise((r) => setTimeout(r, 50));
      const row = await sql<{ n: number }>`select count(*)::int as n from social.feed_readers where user_id = ${VIEWER}`.execute(k);
      assert.equal(row.rows[0]!.n, 1);
    });
  });
}
