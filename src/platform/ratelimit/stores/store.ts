/** One counter's state after a request was charged to it. */
export interface Consumed {
  allowed: boolean;
  /** Requests left in the current window (0 when refused). */
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

/**
 * Where counters live. `consume` is atomic: among any number of concurrent
 * callers (in this process or, for a shared store, in every gateway) at
 * most `limit` are allowed per window and key.
 */
export interface RateLimitStore {
  readonly kind: string;
  consume(policy: { name: string; limit: number; windowSeconds: number }, key: string): Promise<Consumed>;
  close(): Promise<void>;
}
