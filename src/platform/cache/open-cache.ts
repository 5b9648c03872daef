import { Redis } from 'ioredis';
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

/**
 * The one place the cache's tiers are chosen (docs/adr/0006-cache-tiers.md):
 * CACHE_ENABLED=false → none; no REDIS_URL → L1 alone; REDIS_URL → L1 + L2 + bus;
 * and in front of either, unless CACHE_NEAR_ENABLED=false, the near cache of live objects.
 */
export function openCache(config: Config, metrics: Metrics, logger: Logger): Cache {
  if (!config.CACHE_ENABLED) return createDisabledCache();
  const cacheMetrics = new CacheMetrics(metrics.registry);
  const nearCacheOver = (tiers: Tiers): Cache =>
    config.CACHE_NEAR_ENABLED
      ? withNearCache(tiers, { maxItems: config.CACHE_NEAR_MAX_ITEMS, ttlMs: (kind) => ttlMs(config, kind), metrics: cacheMetrics })
      : plainCache(tiers);
  if (!config.REDIS_URL) return nearCacheOver(createBentoCache(config, {}, cacheMetrics));

  const redisOptions = {
    // Fail fast while Redis is away (the cache falls back to Postgres) instead of queueing commands.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 1_000,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
  };
  const client = new Redis(config.REDIS_URL, redisOptions);
  // The bus's subscriber must queue its SUBSCRIBE until connected, so it keeps the offline queue.
  const busClient = new Redis(config.REDIS_URL, { ...redisOptions, enableOfflineQueue: true, commandTimeout: undefined });
  let down = false;
  for (const c of [client, busClient]) {
    c.on('error', (err: Error) => {
      if (!down) logger.warn({ err: err.message }, 'redis unavailable: cache serves from L1 and Postgres until it returns');
      down = true;
    });
    c.on('ready', () => {
      if (down) logger.info('redis is back: cache L2 resumed');
      down = false;
    });
  }
  const tiers = createBentoCache(config, { redis: { client, busClient } }, cacheMetrics);
  return nearCacheOver({
    ...tiers,
    close: async () => {
      await tiers.close().catch(() => {});
      client.disconnect();
      busClient.disconnect();
    },
  });
}
