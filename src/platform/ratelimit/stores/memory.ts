import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { RateLimitStore } from './store.js';
import { toConsumed } from './result.js';

/** Counters in this process (the embedded topology, and the insurance behind Redis). */
export class MemoryStore implements RateLimitStore {
  readonly kind = 'memory';
  private readonly limiters = new Map<string, RateLimiterMemory>();

  consume(policy: { name: string; limit: number; windowSeconds: number }, key: string) {
    let limiter = this.limiters.get(policy.name);
    if (!limiter) {
      limiter = new RateLimiterMemory({ keyPrefix: policy.name, points: policy.limit, duration: policy.windowSeconds });
      this.limiters.set(policy.name, limiter);
    }
    return toConsumed(limiter.consume(key));
  }

  async close(): Promise<void> {}
}
