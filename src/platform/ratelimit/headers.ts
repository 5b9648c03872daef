/**
 * The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers-09),
 * as structured-field lists, one item per policy that applied:
 *   RateLimit-Policy: "login";q=10;w=60
 *   RateLimit: "login";r=7;t=42
 * q = quota, w = window (s), r = remaining, t = seconds until reset.
 */
export interface PolicyState {
  name: string;
  limit: number;
  windowSeconds: number;
  remaining: number;
  resetMs: number;
}

export function rateLimitHeaders(states: readonly PolicyState[]): Record<string, string> {
  if (states.length === 0) return {};
  return {
    'ratelimit-policy': states.map((s) => `"${s.name}";q=${s.limit};w=${s.windowSeconds}`).join(', '),
    ratelimit: states.map((s) => `"${s.name}";r=${Math.max(0, s.remaining)};t=${secondsUntil(s.resetMs)}`).join(', '),
  };
}

/** Whole seconds, rounded up: a client that waits this long is inside the next window. */
export function secondsUntil(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
