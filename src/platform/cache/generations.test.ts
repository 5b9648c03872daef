import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { skipUnlessAvailable } from '../../testing/services-required.js';
import { redisUnavailable, TEST_REDIS_URL as REDIS_URL } from '../../testing/redis-probe.js';
import { dropRedisKeys } from '../../testing/redis-keys.js';
import { Generations } from './generations.js';

/**
 * The counters behind cache-aside's race check (generations.ts). A batch reads them beside its lookup, for
 * every key it asks, before it knows which it misses (bento-cache.ts): so a snapshot must answer for any
 * subset of what it read, and a name it did not read must never pass for unchanged.
 */
describe('invalidation counters: in this process', () => {
  it('a snapshot of more names checks a subset: only the bumped name is reported', async () => {
    const generations = new Generations();
    const before = await generations.read(['k:a', 'k:b', 't:lists']);
    await generations.bump(['k:b']);
    assert.deepEqual([...(await generations.changed(['k:b', 't:lists'], before))], ['k:b']);
    assert.deepEqual([...(await generations.changed(['k:a'], before))], []);
  });

  it('a name the snapshot did not read counts as changed', async () => {
    const generations = new Generations();
    const before = await generations.read(['k:a']);
    assert.deepEqual([...(await generations.changed(['k:a', 'k:unread'], before))], ['k:unread']);
  });
});

describe('invalidation counters: shared in Redis', skipUnlessAvailable(await redisUnavailable()), () => {
  const prefix = `gen-test-${randomBytes(4).toString('hex')}`;
  const clients: Redis[] = [];
  const instance = () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
    clients.push(redis);
    return new Generations({ redis, prefix: `${prefix}:`, ttlMs: 60_000 });
  };
  after(async () => {
    await dropRedisKeys(REDIS_URL, `${prefix}:*`);
    for (const redis of clients) redis.disconnect();
  });

  it("another instance's bump of one name in a larger snapshot is seen, and only that name", async () => {
    const filler = instance();
    const writer = instance();
    const before = await filler.read(['k:x', 'k:y', 't:lists']);
    await writer.bump(['k:y']);
    assert.deepEqual([...(await filler.changed(['k:x', 'k:y'], before))], ['k:y']);
  });
});
