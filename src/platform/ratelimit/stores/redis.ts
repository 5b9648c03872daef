import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Consumed, RateLimitStore } from './store.js';
import { toConsumed } from './result.js';

export interface RedisStoreOptions {
  url: string;
  /** Called once each time the store falls back to / recovers from the local insurance limiter. */
  onDegraded?: (degraded: boolean, err?: Error) => void;
}

/**
 * Counters in Redis, shared by every gateway: rate-limiter-flexible's
 * RateLimiterRedis (one Lua script per request: INCR + PEXPIRE, atomic, so
 * the allowance holds across instances). When Redis errors or is not
 * connected, an in-memory insurance limiter with the same policy answers
 * instead, so limits keep holding per instance rather than vanishing.
 */
export class RedisStore implements RateLimitStore {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private readonly limiters = new Map<string, RateLimiterRedis>();
  private degraded = false;

  constructor(private readonly options: RedisStoreOptions) {
    // No offline queue: while Redis is down a command fails at once (and the insurance answers) instead of waiting.
    this.redis = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
      lazyConnect: false,
    });
    this.redis.on('error', () => {}); // reported through onDegraded; ioredis would otherwise print every retry
  }

  async consume(policy: { name: string; limit: number; windowSeconds: number }, key: string): Promise<Consumed> {
    const limiter = this.limiter(policy);
    const usedInsuranceBefore = this.redis.status !== 'ready';
    const result = await toConsumed(limiter.consume(key));
    this.setDegraded(usedInsuranceBefore || this.redis.status !== 'ready');
    return result;
  }

  private limiter(policy: { name: string; limit: number; windowSeconds: number }): RateLimiterRedis {
    let limiter = this.limiters.get(policy.name);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: `ss:rl:${policy.name}`,
        points: policy.limit,
        duration: policy.windowSeconds,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: `ins:${policy.name}`, points: policy.limit, duration: policy.windowSeconds }),
      });
      this.limiters.set(policy.name, limiter);
    }
    return limiter;
  }

  private setDegraded(degraded: boolean): void {
    if (degraded === this.degraded) return;
    this.degraded = degraded;
    this.options.onDegraded?.(degraded);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
