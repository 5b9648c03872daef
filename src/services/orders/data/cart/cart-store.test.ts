import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { skipUnlessAvailable } from '../../../../testing/services-required.js';
import { redisUnavailable, TEST_REDIS_URL } from '../../../../testing/redis-probe.js';
import type { CartStore } from './cart-store.js';
import { MemoryCartStore } from './memory-cart-store.js';
import { RedisCartStore } from './redis-cart-store.js';

/** The same behaviour from both stores: lines set, changed, removed, cleared; the TTL renewed on each change. */
function suite(name: string, open: () => { store: CartStore; ttlLeftMs: (userId: number) => Promise<number>; cleanup: () => Promise<void> }, options: { skip?: string } = {}) {
  describe(`cart store [${name}]`, options, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const c of cleanups) await c();
    });
    it('sets, changes and removes lines per user; clear empties one cart only', async () => {
      const { store, cleanup } = open();
      cleanups.push(cleanup);
      await store.set(1, 10, 2);
      await store.set(1, 11, 1);
      await store.set(2, 10, 5);
      await store.set(1, 10, 3);
      assert.deepEqual([...(await store.get(1))].sort(), [[10, 3], [11, 1]]);
      assert.equal(await store.remove(1, 11), true);
      assert.equal(await store.remove(1, 11), false);
      await store.clear(1);
      assert.deepEqual([...(await store.get(1))], []);
      assert.deepEqual([...(await store.get(2))], [[10, 5]]);
    });
    it('a cart expires after its TTL from the last change', async () => {
      const { store, ttlLeftMs, cleanup } = open();
      cleanups.push(cleanup);
      await store.set(3, 10, 1);
      const left = await ttlLeftMs(3);
      assert.ok(left > 0 && left <= 60_000, `ttl ${left}`);
    });
  });
}

let now = 0;
suite('memory', () => {
  const store = new MemoryCartStore(60_000, () => now);
  return {
    store,
    ttlLeftMs: async (userId) => {
      // Forwarding the clock past the TTL forgets the cart: what is left is the TTL.
      now += 59_999;
      const still = (await store.get(userId)).size;
      now += 2;
      const gone = (await store.get(userId)).size;
      return still === 1 && gone === 0 ? 60_000 : -1;
    },
    cleanup: () => store.close(),
  };
});

const redisSkip = await redisUnavailable();
suite(
  'redis',
  () => {
    const prefix = `orders-test-${randomBytes(4).toString('hex')}`;
    const redis = new Redis(TEST_REDIS_URL);
    const store = new RedisCartStore(redis, prefix, 60);
    const admin = new Redis(TEST_REDIS_URL);
    return {
      store,
      ttlLeftMs: async (userId) => admin.pttl(`${prefix}:cart:${userId}`),
      cleanup: async () => {
        const keys = await admin.keys(`${prefix}:*`);
        if (keys.length) await admin.del(...keys);
        admin.disconnect();
        await store.close();
      },
    };
  },
  skipUnlessAvailable(redisSkip),
);
