import { compilePolicy, type CompiledPolicy, type RateLimitPolicy, type RequestFacts } from './policy.js';
import { rateLimitHeaders, secondsUntil, type PolicyState } from './headers.js';
import type { RateLimitStore } from './stores/store.js';

export interface Decision {
  allowed: boolean;
  /** RateLimit-Policy and RateLimit, on every response of a limited route (empty when no policy applied). */
  headers: Record<string, string>;
  /** When refused: the policy that refused and how long to wait (Retry-After). */
  refusedBy?: string;
  retryAfterSeconds?: number;
}

/**
 * Charges a request to every policy that matches it and decides. The same
 * class serves the gateway (Redis store, shared) and the embedded Fastify
 * hook (memory store).
 */
export class RateLimiter {
  private readonly policies: CompiledPolicy[];

  constructor(
    policies: readonly RateLimitPolicy[],
    readonly store: RateLimitStore,
  ) {
    this.policies = policies.map(compilePolicy);
  }

  async check(facts: RequestFacts): Promise<Decision> {
    const charged: Array<{ policy: CompiledPolicy; key: string }> = [];
    for (const policy of this.policies) {
      if (!policy.matches(facts)) continue;
      const key = policy.keyOf(facts);
      if (key !== null) charged.push({ policy, key });
    }
    if (charged.length === 0) return { allowed: true, headers: {} };

    const results = await Promise.all(charged.map(({ policy, key }) => this.store.consume(policy, key)));
    const states: PolicyState[] = charged.map(({ policy }, i) => ({
      name: policy.name,
      limit: policy.limit,
      windowSeconds: policy.windowSeconds,
      remaining: results[i]!.remaining,
      resetMs: results[i]!.resetMs,
    }));
    const headers = rateLimitHeaders(states);
    let refused: PolicyState | undefined;
    results.forEach((r, i) => {
      if (!r.allowed && (refused === undefined || states[i]!.resetMs > refused.resetMs)) refused = states[i];
    });
    if (!refused) return { allowed: true, headers };
    return { allowed: false, headers, refusedBy: refused.name, retryAfterSeconds: secondsUntil(refused.resetMs) };
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
