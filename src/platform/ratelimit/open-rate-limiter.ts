import type { Logger } from '../log/logger.js';
import { parsePolicies } from './policies.js';
import { RateLimiter } from './rate-limiter.js';
import { MemoryStore } from './stores/memory.js';
import { RedisStore } from './stores/redis.js';
import { redisPrefix } from '../redis/create-redis.js';

export interface RateLimitSettings {
  RATE_LIMIT_ENABLED: boolean;
  RATE_LIMITS?: string | undefined;
  REDIS_URL?: string | undefined;
  REDIS_PREFIX?: string | undefined;
  CACHE_PREFIX: string;
}

/** The limiter a process should use: none when disabled; Redis-backed when `shared` and REDIS_URL is set; else in memory. */
export function openRateLimiter(settings: RateLimitSettings, logger: Logger, shared: boolean): RateLimiter | null {
  if (!settings.RATE_LIMIT_ENABLED) return null;
  const policies = parsePolicies(settings.RATE_LIMITS);
  if (shared && settings.REDIS_URL) {
    const store = new RedisStore({
      url: settings.REDIS_URL,
      prefix: redisPrefix(settings),
      onDegraded: (degraded) =>
        degraded
          ? logger.warn('rate limits: Redis unavailable, the local insurance limiter is answering')
          : logger.info('rate limits: Redis is back, limits are shared again'),
    });
    return new RateLimiter(policies, store);
  }
  return new RateLimiter(policies, new MemoryStore());
}
