import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { createArticle, registerUser, sleep } from '../../testing/fixtures.js';
import { ownRedisOptions, startOwnRedis, type OwnRedis } from '../../testing/redis-server.js';
import { openRateLimiter } from '../ratelimit/open-rate-limiter.js';
import { RedisRegistry } from '../discovery/redis-registry.js';
import { createLogger } from '../log/logger.js';
import { ARTICLE_PUBLISHED } from '../../testing/outage-drill.js';

const [pglite] = await dbTargets();

/**
 * Two systems on one (private, otherwise empty) Redis, each with its own
 * prefix: one with REDIS_PREFIX, one with the older CACHE_PREFIX it falls
 * back to. Cache, timelines, bus (streams and BullMQ jobs), rate limits and
 * discovery all write; every key must carry its system's prefix, and
 * neither bus may deliver the other's events.
 */
describe('one key prefix for everything a system writes in Redis', ownRedisOptions(), () => {
  let redis: OwnRedis;
  let alpha: TestSystem;
  let beta: TestSystem;
  before(async () => {
    redis = await startOwnRedis();
    alpha = await startTestSystem(pglite!, { REDIS_URL: redis.url, BUS_URL: redis.url, REDIS_PREFIX: 'alpha' });
    beta = await startTestSystem(pglite!, { REDIS_URL: redis.url, BUS_URL: redis.url, CACHE_PREFIX: 'beta' });
  });
  after(async () => {
    await alpha?.close();
    await beta?.close();
    await redis?.stop();
  });

  it('every key starts with its system prefix, and neither system sees the other bus events', async () => {
    const seenByAlpha: string[] = [];
    await alpha.bus.subscribe<{ articleId: number }>(ARTICLE_PUBLISHED, 'prefix-probe', async (e) => {
      seenByAlpha.push(e.id);
    });
    const logger = createLogger({ level: 'silent', pretty: false });
    const limiters = ['alpha', 'beta'].map((prefix) =>
      openRateLimiter({ RATE_LIMIT_ENABLED: true, REDIS_URL: redis.url, REDIS_PREFIX: prefix, CACHE_PREFIX: 'unused' }, logger, true)!,
    );
    const registries = ['alpha', 'beta'].map((prefix) => new RedisRegistry(redis.url, prefix));
    try {
      for (const [i, sys] of [alpha, beta].entries()) {
        const author = await registerUser(sys.api);
        const reader = await registerUser(sys.api);
        await sys.api.post(`/api/profiles/${author.username}/follow`, undefined, { token: reader.token });
        assert.equal((await sys.api.get('/api/articles/feed', { token: reader.token })).status, 200);
        const article = await createArticle(sys.api, author.token);
        assert.equal((await sys.api.get(`/api/articles/${article.slug}`)).status, 200);
        await limiters[i]!.check({ method: 'POST', path: '/api/users/login', ip: '10.0.0.1', userId: null });
        await registries[i]!.heartbeat({ service: 'social', id: 'x', url: 'http://127.0.0.1:1' }, 10_000);
      }
      await sleep(1_000); // fan-out jobs and relays run
      const admin = new Redis(redis.url);
      const keys = await admin.keys('*');
      admin.disconnect();
      const foreign = keys.filter((k) => !k.startsWith('alpha:') && !k.startsWith('beta:'));
      assert.deepEqual(foreign, [], `keys outside both prefixes (of ${keys.length})`);
      for (const prefix of ['alpha:', 'beta:']) {
        for (const part of ['bus:ev:', 'bus:jobs:', 'timeline:', 'rl:', 'discovery:']) {
          assert.ok(keys.some((k) => k.startsWith(prefix + part)), `no ${prefix}${part}* key: ${keys.filter((k) => k.startsWith(prefix)).join(' ')}`);
        }
      }
      assert.equal(seenByAlpha.length, 1, `alpha's consumer saw ${seenByAlpha.length} events; only its own article is its`);
    } finally {
      await Promise.all(limiters.map((l) => l.close()));
      await Promise.all(registries.map((r) => r.close()));
    }
  });
});
