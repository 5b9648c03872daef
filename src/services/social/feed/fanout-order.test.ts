import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { dbTargets, withMigratedDatabase } from '../../../testing/db-targets.js';
import { FeedStore } from '../data/feed.store.js';
import { socialMigrations } from '../migrations.js';
import { writeChunk, type FanoutJob } from './fanout.js';
import { memoryTimelines } from './timelines/memory-timelines.js';
import type { TimelineStore } from './timelines/timeline-store.js';

const AUTHOR = 1;
const READER = 2;
const LEAVER = 3;
const SETTINGS = { chunk: 100, activeDays: 30 };

const job = (articleId: number, op: FanoutJob['op']): FanoutJob => ({ articleId, authorId: AUTHOR, publishedAt: Date.now(), op, afterFollowerId: 0, written: 0 });

type Sql = Kysely<Record<string, never>>;

/** `follower` follows AUTHOR and read their feed just now (a fan-out target). */
async function activeFollower(k: Sql, follower: number): Promise<void> {
  await sql`insert into social.follows (follower_id, followee_id) values (${follower}, ${AUTHOR})`.execute(k);
  await sql`insert into social.feed_readers (user_id, last_read_at) values (${follower}, now())`.execute(k);
}

/** A new article by AUTHOR; its id. */
async function publish(k: Sql, slug: string): Promise<number> {
  const { rows } = await sql<{ id: number }>`insert into social.articles (slug, title, description, body, author_id)
    values (${slug}, 't', 'd', 'b', ${AUTHOR}) returning id`.execute(k);
  return Number(rows[0]!.id);
}

/**
 * Fan-out chunks run four at a time in any order: a deleted article's removal can run before one of its
 * additions. The addition must not leave the article in the timeline (it would count in articlesCount).
 */
for (const target of await dbTargets()) {
  test(`fan-out (${target.name}): an addition that runs after its article's deletion and removal leaves no copy behind: a delete before the chunk means no write, a delete during its writes has them taken back`, { ...target.options, timeout: 60_000 }, async () => {
    await withMigratedDatabase(target, [socialMigrations], async (db) => {
      const k = db.as<Record<string, never>>();
      await activeFollower(k, READER);
      const store = new FeedStore(db);
      const timelines = memoryTimelines({ cap: 50, lifetimeMs: 60_000 });
      await timelines.open(READER);
      const remove = async (articleId: number, into: TimelineStore) => {
        await sql`delete from social.articles where id = ${articleId}`.execute(k);
        await writeChunk(store, into, job(articleId, 'remove'), SETTINGS);
      };
      const held = async () => (await timelines.read(READER))!.entries.map((e) => e.articleId);

      const kept = await publish(k, 'kept');
      assert.deepEqual(await writeChunk(store, timelines, job(kept, 'add'), SETTINGS), { followers: [READER], written: 1 });

      // Deleted and removed before its addition ran: nothing is written, not even for a moment.
      const before = await publish(k, 'deleted-before');
      await remove(before, timelines);
      const pushed: number[][] = [];
      const watched: TimelineStore = { ...timelines, push: (userIds, entry) => (pushed.push([...userIds]), timelines.push(userIds, entry)) };
      assert.equal((await writeChunk(store, watched, job(before, 'add'), SETTINGS)).written, 0);
      assert.deepEqual(pushed.flat(), [], 'the article deleted before the chunk was written to no timeline');
      assert.deepEqual(await held(), [kept], 'no copy of the article deleted before the chunk');

      // Deleted and removed while the addition's writes were on their way (after it read the followers).
      const during = await publish(k, 'deleted-during');
      const racing: TimelineStore = { ...timelines, push: async (userIds, entry) => (await remove(during, timelines), timelines.push(userIds, entry)) };
      assert.equal((await writeChunk(store, racing, job(during, 'add'), SETTINGS)).written, 0);
      assert.deepEqual(await held(), [kept], 'no copy of the article deleted during the chunk');
    });
  });
}

/**
 * A chunk reads its followers before it writes. One who unfollows meanwhile has their timeline dropped, and their
 * next read rebuilds it from Postgres without the author: a write landing after that must not stay there.
 */
for (const target of await dbTargets()) {
  test(`fan-out (${target.name}): a follower who unfollows while a chunk's writes are on their way (and rebuilds their timeline) does not keep the article; the others do`, { ...target.options, timeout: 60_000 }, async () => {
    await withMigratedDatabase(target, [socialMigrations], async (db) => {
      const k = db.as<Record<string, never>>();
      await activeFollower(k, READER);
      await activeFollower(k, LEAVER);
      const store = new FeedStore(db);
      const timelines = memoryTimelines({ cap: 50, lifetimeMs: 60_000 });
      await Promise.all([timelines.open(READER), timelines.open(LEAVER)]);
      const articleId = await publish(k, 'posted');

      // What an unfollow and the leaver's next read do (profiles.ts, timeline-feed.ts), between the chunk's
      // followers query and its writes: the follow row goes, the timeline is dropped and rebuilt without the author.
      const racing: TimelineStore = {
        ...timelines,
        push: async (userIds, entry) => {
          await sql`delete from social.follows where follower_id = ${LEAVER} and followee_id = ${AUTHOR}`.execute(k);
          await timelines.drop(LEAVER);
          await timelines.open(LEAVER);
          return timelines.push(userIds, entry);
        },
      };
      const result = await writeChunk(store, racing, job(articleId, 'add'), SETTINGS);
      assert.deepEqual(result.followers, [READER, LEAVER], 'both were followers when the chunk read them');
      assert.deepEqual((await timelines.read(LEAVER))!.entries.map((e) => e.articleId), [], 'the one who unfollowed holds no copy');
      assert.deepEqual((await timelines.read(READER))!.entries.map((e) => e.articleId), [articleId], 'the one who still follows keeps it');
      assert.equal(result.written, 1);
    });
  });
}
