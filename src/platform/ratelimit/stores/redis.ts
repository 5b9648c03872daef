import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { createRedis } from '../../redis/create-redis.js';
import { DependencyBreaker } from '../../resilience/dependency-breaker.js';
import type { Consumed, RateLimitStore } from './store.js';
import { toConsumed } from './result.js';

export interface RedisStoreOptions {
  url: string;
  /** Key prefix (REDIS_PREFIX): counters live under `<prefix>:rl:<policy>:` (default `scalestack`). */
  prefix?: string;
  /** Called once each time the store falls back to / recovers from the local insurance limiter. */
  onDegraded?: (degraded: boolean, err?: Error) => void;
}

/**
 * Counters in Redis, shared by every gateway: rate-limiter-flexible's
 * RateLimiterRedis (one Lua script per request: INCR + PEXPIRE, atomic, so
 * the allowance holds across instances). When Redis errors or is not
 * connected, an in-memory insurance limiter with the same policy answers
 * instead, so limits keep holding per instance rather than vanishing. Calls
 * go through a breaker: after a lost connection or a few failed calls the
 * insurance answers without trying Redis at all, until Redis is back.
 */
export class RedisStore implements RateLimitStore {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private readonly limiters = new Map<string, { shared: RateLimiterRedis; insurance: RateLimiterMemory }>();
  private readonly breaker: DependencyBreaker;
  private degraded = false;

  constructor(private readonly options: RedisStoreOptions) {
    // The factory's client fails at once while Redis is down (and the insurance answers) instead of waiting.
    this.redis = createRedis(options.url, { name: 'ratelimit' });
    this.breaker = new DependencyBreaker('redis', 'ratelimit').watch(this.redis);
  }

  async consume(policy: { name: string; limit: number; windowSeconds: number }, key: string): Promise<Consumed> {
    const { shared, insurance } = this.limiter(policy);
    try {
      // Through the breaker: a refusal is an answer (toConsumed resolves it); only Redis errors and timeouts count as failures.
      const result = await this.breaker.execute(() => toConsumed(shared.consume(key)));
      this.setDegraded(false);
      return result;
    } catch {
      // Redis failed, or the breaker is open and Redis was not tried: the insurance counts, per instance.
      this.setDegraded(true);
      return toConsumed(insurance.consume(key));
    }
  }

  private limiter(policy: { name: string; limit: number; windowSeconds: number }) {
    let limiter = this.limiters.get(policy.name);
    if (!limiter) {
      const insurance = new RateLimiterMemory({ keyPrefix: `ins:${policy.name}`, points: policy.limit, duration: policy.windowSeconds });
      const shared = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: `${this.options.prefix ?? 'scalestack'}:rl:${policy.name}`,
        points: policy.limit,
        duration: policy.windowSeconds,
        rejectIfRedisNotReady: true,
      });
      this.limiters.set(policy.name, (limiter = { shared, insurance }));
    }
    return limiter;
  }

  private setDegraded(degraded: boolean): void {
    if (degraded === this.degraded) return;
    this.degraded = degraded;
    this.options.onDegraded?.(degraded);
  }

  async close(): Promise<void> {
    this.breaker.close();
    this.redis.disconnect();
  }
}
