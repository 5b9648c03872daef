/**
 * Exponential backoff with "full jitter" (AWS architecture blog): a random
 * delay in [0, min(cap, base * 2^(attempt-1))]. The randomness spreads the
 * retries of many failed messages so they don't hit a recovering dependency
 * in lockstep; the floor keeps a retry from being immediate.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** Lower bound, so a retry never spins. */
  minMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 200, maxMs: 60_000, minMs: 50 };

export function backoffDelay(attempt: number, policy: BackoffPolicy = defaultBackoff, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(policy.minMs, Math.round(random() * ceiling));
}
