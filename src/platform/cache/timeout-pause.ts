/** As long as bentocache skips L2 after an error (its l2CircuitBreakerDuration in bento-cache.ts). */
const PAUSE_MS = 5_000;

/**
 * The cache's own Redis reads beside bentocache (invalidation counters, batch lookups) stop for a while after
 * one timed out: a hung Redis must not cost every miss the command timeout. A refused command (not connected)
 * fails at once and costs nothing, so it pauses nothing.
 */
export class TimeoutPause {
  private until = 0;

  get paused(): boolean {
    return Date.now() < this.until;
  }

  /** After a failed command: a timeout starts the pause. */
  failed(err: unknown): void {
    if (/timed out/i.test((err as Error)?.message ?? '')) this.until = Date.now() + PAUSE_MS;
  }
}
