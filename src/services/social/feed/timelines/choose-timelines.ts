import { Redis } from 'ioredis';
import type { Config } from '../../../../platform/config/schema.js';
import { memoryTimelines } from './memory-timelines.js';
import { redisTimelines } from './redis-timelines.js';
import type { TimelineStore } from './timeline-store.js';

/** The one place the timeline store is picked: Redis sorted sets with REDIS_URL, this process's memory without. */
export function chooseTimelines(config: Config): TimelineStore {
  const settings = { cap: config.FEED_TIMELINE_CAP, lifetimeMs: config.FEED_INACTIVE_DAYS * 86_400_000, maxTimelines: config.FEED_MEMORY_TIMELINES };
  if (!config.REDIS_URL) return memoryTimelines(settings);
  // Fail fast while Redis is away: the feed then reads from Postgres (TimelineFeed's fallback).
  const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000, commandTimeout: 2_000 });
  redis.on('error', () => {});
  const store = redisTimelines(redis, config.CACHE_PREFIX, settings);
  return { ...store, close: async () => redis.disconnect() };
}
