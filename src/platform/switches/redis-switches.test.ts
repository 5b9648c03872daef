import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisSwitches } from './redis-switches.js';
import type { SwitchValues } from './switches.js';
import { redisUnavailable, TEST_REDIS_URL } from '../../testing/redis-probe.js';
import { skipUnlessAvailable } from '../../testing/services-required.js';
import { waitFor } from '../bus/testing/targets.js';

const initial: SwitchValues = { feedStrategy: 'hybrid', celebrityThreshold: 10_000, cacheEnabled: true };

describe('switches over Redis', skipUnlessAvailable(await redisUnavailable()), () => {
  const prefix = `switches-test-${randomBytes(4).toString('hex')}`;
  const boards: RedisSwitches[] = [];
  const redis = new Redis(TEST_REDIS_URL);

  after(async () => {
    await Promise.all(boards.map((b) => b.close()));
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('a change made in one process is applied by the other', async () => {
    const [a, b] = await Promise.all([RedisSwitches.open(TEST_REDIS_URL, prefix, initial), RedisSwitches.open(TEST_REDIS_URL, prefix, initial)]);
    boards.push(a, b);
    await a.set({ feedStrategy: 'pull' }, 'test');
    await waitFor('the second process to apply pull', () => b.values().feedStrategy === 'pull', 5_000);
    assert.equal(b.changes().filter((c) => c.changed.feedStrategy === 'pull').length, 1, 'applied once, not once per path');
  });

  it('a change whose message was missed (stored, never published) still lands within a beat', async () => {
    const board = await RedisSwitches.open(TEST_REDIS_URL, prefix, initial);
    boards.push(board);
    const stored = { ...board.values(), celebrityThreshold: 42 };
    // What a process whose subscription was down sees: the stored values changed, no message arrived.
    await redis.set(`${prefix}:switches:values`, JSON.stringify(stored));
    await waitFor('the stored threshold to be applied', () => board.values().celebrityThreshold === 42, 5_000);
  });
});
