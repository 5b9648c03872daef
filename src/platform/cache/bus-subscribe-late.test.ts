import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../log/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { ownRedisOptions, startOwnRedis, type OwnRedis } from '../../testing/redis-server.js';
import type { Cache } from './cache.js';
import { openCache } from './open-cache.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A process whose Redis is away when it starts: bentocache's SUBSCRIBE for the invalidation bus
 * fails. bentocache drops that promise, so it was an unhandled rejection (under load, "Command
 * timed out": the browser test's failure) and left the instance deaf to other instances'
 * invalidations for good.
 */
describe('cache bus when Redis is away at start', ownRedisOptions(), () => {
  let redis: OwnRedis;
  let late: Cache | undefined;
  let other: Cache | undefined;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  before(async () => {
    redis = await startOwnRedis();
    process.on('unhandledRejection', onRejection);
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    await late?.close();
    await other?.close();
    await redis?.stop();
  });

  it('raises no unhandled rejection, and hears another instance once Redis is back', async () => {
    const prefix = `late-${randomBytes(4).toString('hex')}`;
    const open = () =>
      openCache(loadConfig({}, { REDIS_URL: redis.url, CACHE_PREFIX: prefix, CACHE_NEAR_ENABLED: false }), createMetrics(), createLogger({ level: 'silent', pretty: false }));
    await redis.stop();
    late = await open();
    await late.getOrLoad('article', 'a', async () => ({ v: 1 }));
    // Past the SUBSCRIBE's failure (the connection refused, the command not replayed), with Redis still away.
    await sleep(2_500);
    assert.deepEqual(rejections.map(String), [], 'no command failure escapes as an unhandled rejection');

    await redis.start();
    other = await open();
    // Once both are subscribed, a write in `other` must drop `late`'s L1 copy (only the bus can tell it).
    const deadline = Date.now() + 15_000;
    let seen: unknown;
    while (Date.now() < deadline) {
      await other.set('article', 'a', { v: 2 });
      await sleep(200);
      seen = await late.getOrLoad('article', 'a', async () => ({ v: 'reloaded' }));
      if ((seen as { v: unknown }).v !== 1) break;
    }
    assert.notDeepEqual(seen, { v: 1 }, 'the late instance still served its stale L1 copy: it never subscribed');
    assert.deepEqual(rejections.map(String), []);
  });
});
