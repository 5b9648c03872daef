/**
 * A retry budget (Finagle's, gRPC's retry throttling): retries may add at
 * most `ratio` of the request rate, plus `minPerSecond` so a quiet service
 * can still retry. Every request deposits `ratio` of a token; a retry
 * withdraws one. When a whole fleet fails, retries stop at +ratio instead of
 * multiplying the load on what is already failing.
 */
export class RetryBudget {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratio = 0.2,
    readonly minPerSecond = 10,
    private readonly cap = 100,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = minPerSecond;
    this.last = this.now();
  }

  /** A request went out (not a retry). */
  deposit(): void {
    this.refill();
    this.tokens = Math.min(this.cap, this.tokens + this.ratio);
  }

  /** True (and spends a token) when a retry is allowed now. */
  tryWithdraw(): boolean {
    this.refill();
    if (this.tokens < 1 - 1e-9) return false; // 5 x 0.2 is 0.9999999999999999 in floating point
    this.tokens -= 1;
    return true;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.cap, this.tokens + ((now - this.last) / 1000) * this.minPerSecond);
    this.last = now;
  }
}
