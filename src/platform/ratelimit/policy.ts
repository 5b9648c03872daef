/**
 * A rate-limit policy: `limit` requests per `windowSeconds` for each key of
 * its kind, on the requests it matches.
 *   key 'ip':    per client address
 *   key 'user':  per verified user (requests without a user are not counted)
 *   key 'route': one shared allowance for everyone (protects a costly route)
 */
export interface RateLimitPolicy {
  /** Stable name: the Redis key prefix and the policy's name in the RateLimit headers. */
  name: string;
  key: 'ip' | 'user' | 'route';
  limit: number;
  windowSeconds: number;
  /** Upper-case methods it applies to; all when absent. */
  methods?: string[];
  /** A regular expression on the path (no query string); all paths when absent. */
  path?: string;
}

/** What a limiter needs to know about one request. */
export interface RequestFacts {
  method: string;
  /** Path without the query string. */
  path: string;
  ip: string;
  userId: number | null;
}

export interface CompiledPolicy extends RateLimitPolicy {
  matches(facts: RequestFacts): boolean;
  /** The counter this request is charged to, or null when the policy does not count it. */
  keyOf(facts: RequestFacts): string | null;
}

export function compilePolicy(policy: RateLimitPolicy): CompiledPolicy {
  const path = policy.path ? new RegExp(policy.path) : null;
  const methods = policy.methods ? new Set(policy.methods.map((m) => m.toUpperCase())) : null;
  return {
    ...policy,
    matches: (facts) => (methods === null || methods.has(facts.method)) && (path === null || path.test(facts.path)),
    keyOf: (facts) => {
      switch (policy.key) {
        case 'ip':
          return facts.ip;
        case 'user':
          return facts.userId === null ? null : String(facts.userId);
        case 'route':
          return '*';
      }
    },
  };
}
