import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Cache } from './cache.js';
import { CacheMetrics } from './cache-metrics.js';
import { createBentoCache } from './bento-cache.js';
import { createDisabledCache } from './disabled-cache.js';
import { withNearCache } from './near-cache.js';
import { plainCache, type Tiers } from './tiers.js';
import { ttlMs } from './ttl.js';
import { createRedis } from '../redis/create-redis.js';
import { DependencyBreaker } from '../resilience/dependency-breaker.js';

/**
 * The one place the cache's tiers are chosen (docs/adr/0006-cache-tiers.md):
 * CACHE_ENABLED=false → none; no REDIS_URL → L1 alone; REDIS_URL → L1 + L2 + bus;
 * and in front of either, unless CACHE_NEAR_ENABLED=false, the near cache of live objects.
 */
export async function openCache(config: Config, metrics: Metrics, logger: Logger): Promise<Cache> {
  if (!config.CACHE_ENABLED) return createDisabledCache();
  const cacheMetrics = new CacheMetrics(metrics.registry);
  const nearCacheOver = (tiers: Tiers): Cache =>
    config.CACHE_NEAR_ENABLED
      ? withNearCache(tiers, {
          maxItems: config.CACHE_NEAR_MAX_ITEMS,
          ttlMs: (kind) => ttlMs(config, kind),
          refreshAhead: config.CACHE_REFRESH_AHEAD,
          metrics: cacheMetrics,
        })
      : plainCache(tiers);
  if (!config.REDIS_URL) return nearCacheOver(createBentoCache(config, {}, cacheMetrics));

  // Both clients fail at once while Redis is away (the factory's settings): bentocache then skips L2 for
  // l2CircuitBreakerDuration and serves from L1 and Postgres, and its bus keeps unsent invalidations in its
  // retry queue. The bus client is duplicated by bentocache into a publisher and a subscriber (the subscriber
  // waits for its first connection so its SUBSCRIBE is not lost; ioredis re-subscribes after reconnects).
  const client = createRedis(config.REDIS_URL, { name: 'cache' });
  const busClient = createRedis(config.REDIS_URL, { name: 'cache-bus', use: 'subscriber' });
  const breaker = new DependencyBreaker('redis', 'cache').watch(client);
  let down = false;
  client.on('close', () => {
    if (!down) logger.warn('redis unavailable: cache serves from L1 and Postgres until it returns');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info('redis is back: cache L2 resumed');
    down = false;
  });
  const tiers = createBentoCache(config, { redis: { client, busClient, drivers: await import('bentocache/drivers/redis') } }, cacheMetrics);
  return nearCacheOver({
    ...tiers,
    close: async () => {
      breaker.close();
      await tiers.close().catch(() => {});
      client.disconnect();
      busClient.disconnect();
    },
  });
}
