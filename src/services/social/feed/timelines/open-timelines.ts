import type { Config } from '../../../../platform/config/schema.js';
import { createRedis, redisPrefix } from '../../../../platform/redis/create-redis.js';
import { DependencyBreaker } from '../../../../platform/resilience/dependency-breaker.js';
import { memoryTimelines } from './memory-timelines.js';
import { redisTimelines } from './redis-timelines.js';
import type { TimelineStore } from './timeline-store.js';

/** The one place the timeline store is picked: Redis sorted sets with REDIS_URL, this process's memory without. */
export function openTimelines(config: Config): TimelineStore {
  const settings = { cap: config.FEED_TIMELINE_CAP, lifetimeMs: config.FEED_INACTIVE_DAYS * 86_400_000, maxTimelines: config.FEED_MEMORY_TIMELINES };
  if (!config.REDIS_URL) return memoryTimelines(settings);
  const redis = createRedis(config.REDIS_URL, { name: 'timelines' });
  // While Redis is away every call fails at once: the feed then reads from Postgres (TimelineFeed's fallback).
  const breaker = new DependencyBreaker('redis', 'timelines').watch(redis);
  const store = guardedTimelines(redisTimelines(redis, redisPrefix(config), settings), breaker);
  return {
    ...store,
    close: async () => {
      breaker.close();
      redis.disconnect();
    },
  };
}

/** Every call of the store through the breaker. */
export function guardedTimelines(store: TimelineStore, breaker: DependencyBreaker): TimelineStore {
  return {
    push: (userIds, entry) => breaker.execute(() => store.push(userIds, entry)),
    remove: (userIds, entry) => breaker.execute(() => store.remove(userIds, entry)),
    read: (userId, limit) => breaker.execute(() => store.read(userId, limit)),
    open: (userId) => breaker.execute(() => store.open(userId)),
    fill: (userId, entries) => breaker.execute(() => store.fill(userId, entries)),
    drop: (userId) => breaker.execute(() => store.drop(userId)),
    close: () => store.close(),
  };
}
