import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Consumed } from './store.js';

/** rate-limiter-flexible resolves with RateLimiterRes when allowed and rejects with one when refused. */
export async function toConsumed(attempt: Promise<RateLimiterRes>): Promise<Consumed> {
  try {
    const res = await attempt;
    return { allowed: true, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
  } catch (outcome) {
    if (outcome instanceof RateLimiterRes) return { allowed: false, remaining: 0, resetMs: outcome.msBeforeNext };
    throw outcome;
  }
}
