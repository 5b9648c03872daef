import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { skipUnlessAvailable } from '../../../../testing/services-required.js';
import { redisUnavailable, TEST_REDIS_URL as REDIS_URL } from '../../../../testing/redis-probe.js';
import { memoryTimelines } from './memory-timelines.js';
import { redisTimelines } from './redis-timelines.js';
import type { TimelineStore } from './timeline-store.js';

const settings = { cap: 5, lifetimeMs: 60_000 };

const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const stores: { name: string; options: { skip?: string }; make: () => TimelineStore }[] = [
  { name: 'memory', options: {}, make: () => memoryTimelines({ ...settings, maxTimelines: 1000 }) },
  { name: 'redis', options: skipUnlessAvailable(await redisUnavailable()), make: () => redisTimelines(redis, `tl-${randomBytes(4).toString('hex')}`, settings) },
];
after(() => redis.disconnect());

const entry = (articleId: number, score: number, authorId = 1) => ({ articleId, authorId, score });

for (const { name, options, make } of stores) {
  describe(`timeline store: ${name}`, options, () => {
    it('an absent timeline is null, an opened one is empty; fan-out writes only into existing ones', async () => {
      const store = make();
      assert.equal(await store.read(1), null);
      await store.open(2);
      assert.deepEqual(await store.read(2), { entries: [], size: 0 });
      assert.equal(await store.push([1, 2, 3], entry(10, 1000)), 1);
      assert.equal(await store.read(1), null);
      assert.deepEqual(await store.read(2), { entries: [entry(10, 1000)], size: 1 });
    });

    it('keeps the newest `cap` entries, newest first, the id breaking ties; no duplicates', async () => {
      const store = make();
      await store.fill(7, [entry(1, 100), entry(2, 200), entry(3, 200), entry(12, 200)]);
      for (const e of [entry(4, 400), entry(5, 50), entry(6, 600), entry(4, 400)]) await store.push([7], e);
      assert.deepEqual((await store.read(7))!.entries.map((e) => e.articleId), [6, 4, 12, 3, 2]);
    });

    it('a read with a limit hands back the newest `limit` entries and the size of the whole timeline', async () => {
      const store = make();
      await store.fill(8, [entry(1, 100), entry(2, 200), entry(3, 300), entry(4, 400)]);
      assert.deepEqual(await store.read(8, 2), { entries: [entry(4, 400), entry(3, 300)], size: 4 });
      assert.deepEqual(await store.read(8, 0), { entries: [], size: 4 }, 'a page past the window needs the size only');
      assert.deepEqual((await store.read(8, 10))!.entries.map((e) => e.articleId), [4, 3, 2, 1]);
      await store.open(11);
      assert.deepEqual(await store.read(11, 3), { entries: [], size: 0 }, 'an opened, empty timeline exists');
    });

    it('removes an article; drop makes it absent again', async () => {
      const store = make();
      await store.fill(9, [entry(1, 100, 3), entry(2, 200, 4)]);
      await store.remove([9, 10], entry(1, 100, 3));
      assert.deepEqual(await store.read(9), { entries: [entry(2, 200, 4)], size: 1 });
      await store.drop(9);
      assert.equal(await store.read(9), null);
    });
  });
}

describe('timeline store: redis, lifetime', skipUnlessAvailable(await redisUnavailable()), () => {
  it('a read renews the timeline\'s lifetime (its Redis TTL); a fan-out write does not; a read of an absent one creates nothing', async () => {
    const prefix = `tl-${randomBytes(4).toString('hex')}`;
    const store = redisTimelines(redis, prefix, settings);
    await store.fill(1, [entry(1, 100)]);
    await redis.pexpire(`${prefix}:timeline:1`, 5_000);
    await store.push([1], entry(2, 200));
    assert.ok((await redis.pttl(`${prefix}:timeline:1`)) <= 5_000, 'fan-out left the lifetime alone');
    assert.deepEqual(await store.read(1, 1), { entries: [entry(2, 200)], size: 2 });
    assert.ok((await redis.pttl(`${prefix}:timeline:1`)) > 5_000, 'the read renewed it');
    assert.equal(await store.read(2), null);
    assert.equal(await redis.exists(`${prefix}:timeline:2`), 0);
  });
});

/**
 * The in-process store's bounds: Redis bounds memory with maxmemory and
 * TTLs; in one process the cap holds per timeline and an LRU bounds how
 * many timelines are kept, so it never grows until read.
 */
describe('timeline store: memory bounds', () => {

  it('holds at most maxTimelines timelines: the least recently read is evicted (absent: rebuilt on its next read)', async () => {
    const store = memoryTimelines({ cap: 5, lifetimeMs: 60_000, maxTimelines: 3 });
    await store.open(1);
    await store.fill(2, [entry(1, 100)]);
    await store.open(3);
    await store.read(1); // 2 is now the least recently used
    await store.open(4);
    assert.equal(await store.read(2), null, 'evicted');
    assert.deepEqual(await store.read(1), { entries: [], size: 0 });
    assert.equal(store.size(), 3);
    for (let user = 10; user < 2010; user++) await store.fill(user, [entry(user, user)]);
    assert.equal(store.size(), 3, 'bounded however many timelines are opened');
  });

  it('fan-out into unread timelines stays within the cap per timeline', async () => {
    const store = memoryTimelines({ cap: 5, lifetimeMs: 60_000, maxTimelines: 10 });
    await store.open(1);
    for (let n = 0; n < 500; n++) await store.push([1], entry(n, n));
    assert.equal(store.entriesHeld(), 5);
  });

  it('a timeline not read for its lifetime is gone, and fan-out does not renew it', async () => {
    let clock = 1_000_000;
    const store = memoryTimelines({ cap: 5, lifetimeMs: 1000, maxTimelines: 10 }, () => clock);
    await store.open(1);
    await store.open(2);
    clock += 600;
    await store.read(1);
    assert.equal(await store.push([1, 2], entry(1, 100)), 2);
    clock += 500;
    assert.equal(await store.push([1, 2], entry(2, 200)), 1, 'only the timeline read within its lifetime takes fan-out');
    assert.equal(store.size(), 1, 'the expired timeline is no longer held');
    assert.equal(await store.read(2), null);
  });
});
