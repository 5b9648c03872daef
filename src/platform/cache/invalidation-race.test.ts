import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { createLogger } from '../log/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { skipUnlessAvailable } from '../../testing/services-required.js';
import { redisUnavailable, TEST_REDIS_URL as REDIS_URL } from '../../testing/redis-probe.js';
import type { Cache } from './cache.js';
import { openCache } from './open-cache.js';

/**
 * Cache-aside's classic race, made deterministic: a read loads the old row
 * (its loader is held), a write commits and invalidates, then the read
 * finishes. The loaded value reaches its caller, but must not stay cached:
 * the next read sees the new row, not the old one until the TTL.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A new instance's Redis client connects in the background (and fails fast meanwhile): waits until its writes reach `cache`. */
async function untilConnected(other: Cache, cache: Cache) {
  for (let n = 0; !(await cache.getMany('article', [`probe${n}`])).has(`probe${n}`); n++) {
    await other.set('article', `probe${n + 1}`, n + 1);
    await sleep(20);
  }
}

/** A loader that signals when it started and returns only when released. */
function heldLoader<T>(value: T) {
  let release!: () => void;
  let started!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const running = new Promise<void>((resolve) => { started = resolve; });
  return {
    running,
    release,
    load: async () => {
      started();
      await gate;
      return value;
    },
  };
}

const tiers = [
  { name: 'L1 only (embedded)', redis: undefined, options: {} },
  { name: 'L1 + L2 Redis + bus', redis: REDIS_URL, options: skipUnlessAvailable(await redisUnavailable()) },
];

for (const tier of tiers)
for (const near of [true, false]) {
  describe(`cache invalidation during a load: ${tier.name}, near cache ${near ? 'on' : 'off'}`, tier.options, () => {
    const prefix = `race-${randomBytes(4).toString('hex')}`;
    const caches: Cache[] = [];
    const open = async (overrides: Partial<Config> = {}): Promise<Cache> => {
      const cache = await openCache(
        // A private prefix: suites share the Redis server. A long TTL: a stale value would outlive the test.
        loadConfig({}, { REDIS_URL: tier.redis, CACHE_PREFIX: prefix, CACHE_NEAR_ENABLED: near, CACHE_TTL_ARTICLE_S: 600, ...overrides }),
        createMetrics(),
        createLogger({ level: 'silent', pretty: false }),
      );
      caches.push(cache);
      return cache;
    };
    let cache: Cache;
    before(async () => {
      cache = await open();
    });
    after(async () => {
      for (const c of caches) await c.close();
    });

    it('a key deleted while its load runs: the caller gets what it read, the next read the new value', async () => {
      const old = heldLoader({ title: 'old' });
      const reading = cache.getOrLoad('article', 'k1', old.load);
      await old.running;
      await cache.delete('article', 'k1'); // the write committed: the row is now 'new'
      old.release();
      assert.deepEqual(await reading, { title: 'old' });
      assert.deepEqual(await cache.getOrLoad('article', 'k1', async () => ({ title: 'new' })), { title: 'new' });
      assert.equal((await cache.getMany<{ title: string }>('article', ['k1'])).get('k1')?.title ?? 'new', 'new');
    });

    it('a tag invalidated while a tagged load runs: the next read is fresh', async () => {
      const old = heldLoader(['old page']);
      const reading = cache.getOrLoad('list', 'p1', old.load, { tags: ['lists'] });
      await old.running;
      await cache.invalidateTags(['lists']);
      await sleep(5); // bentocache compares a tag's time with the entry's store time: not the same millisecond
      old.release();
      await reading;
      assert.deepEqual(await cache.getOrLoad('list', 'p1', async () => ['new page'], { tags: ['lists'] }), ['new page']);
    });

    it('a write-through set while a load runs is not overwritten by the older loaded value', async () => {
      const old = heldLoader({ title: 'old' });
      const reading = cache.getOrLoad('article', 'k2', old.load);
      await old.running;
      await cache.set('article', 'k2', { title: 'written' });
      old.release();
      await reading;
      const now = await cache.getOrLoad('article', 'k2', async () => ({ title: 'written' }));
      assert.deepEqual(now, { title: 'written' });
    });

    it('a batch fill (getManyOrLoad) that overlapped a delete does not keep the old rows', async () => {
      await cache.set('article', 'b1', { title: 'cached' });
      const old = heldLoader(new Map([['b2', { title: 'old' }], ['b3', { title: 'old' }]]));
      const reading = cache.getManyOrLoad('article', ['b1', 'b2', 'b3'], async (missing: readonly string[]) => {
        assert.deepEqual(missing, ['b2', 'b3'], 'only the misses are loaded');
        return old.load();
      });
      await old.running;
      await cache.delete('article', 'b2');
      old.release();
      const got = await reading;
      assert.deepEqual(Object.fromEntries(got), { b1: { title: 'cached' }, b2: { title: 'old' }, b3: { title: 'old' } });
      const after = await cache.getMany<{ title: string }>('article', ['b2', 'b3']);
      assert.equal(after.get('b2'), undefined, 'the invalidated row is not cached');
      assert.deepEqual(after.get('b3'), { title: 'old' }, 'a row nobody invalidated is kept');
    });

    if (tier.redis) {
      it('another instance\'s delete during this instance\'s load: neither instance serves the old value after', async () => {
        const other = await open();
        await untilConnected(other, cache);
        const old = heldLoader({ title: 'old' });
        const reading = cache.getOrLoad('article', 'k3', old.load);
        await old.running;
        await other.delete('article', 'k3');
        old.release();
        await reading;
        for (const c of [other, cache]) {
          assert.deepEqual(await c.getOrLoad('article', 'k3', async () => ({ title: 'new' })), { title: 'new' });
        }
      });

      it('a fill is not published: another instance keeps its copy; a write is, and replaces it', async () => {
        const other = await open();
        await untilConnected(other, cache);
        const admin = new Redis(tier.redis!);
        try {
          assert.equal(await other.getOrLoad('article', 'f1', async () => 'other copy'), 'other copy');
          assert.equal((await other.getManyOrLoad('article', ['f2'], async () => new Map([['f2', 'other copy']]))).get('f2'), 'other copy');
          // The shared entries go (Redis evicted them, say): this instance misses them and fills them from the source.
          assert.equal(await admin.del(`${prefix}:v2:article:f1`, `${prefix}:v2:article:f2`), 2);
          assert.equal(await cache.getOrLoad('article', 'f1', async () => 'filled here'), 'filled here');
          assert.equal((await cache.getManyOrLoad('article', ['f2'], async () => new Map([['f2', 'filled here']]))).get('f2'), 'filled here');
          await sleep(500); // a bus message arrives in milliseconds
          assert.equal(await other.getOrLoad('article', 'f1', async () => 'reloaded'), 'other copy', 'a single-key fill left the copy');
          assert.equal((await other.getManyOrLoad('article', ['f2'], async () => new Map([['f2', 'reloaded']]))).get('f2'), 'other copy', 'a batch fill left the copy');

          await cache.set('article', 'f1', 'written');
          for (const deadline = Date.now() + 5_000; (await other.getOrLoad('article', 'f1', async () => 'reloaded')) !== 'written'; await sleep(20)) {
            assert.ok(Date.now() < deadline, 'the write reached the other instance within 5 s');
          }
        } finally {
          admin.disconnect();
        }
      });
    }
  });
}
