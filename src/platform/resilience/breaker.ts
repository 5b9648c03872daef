import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';

export interface BreakerSettings {
  /** Consecutive failures that open the circuit. */
  failures: number;
  /** How long it stays open before one trial call (half-open). */
  halfOpenAfterMs: number;
}

/**
 * cockatiel's circuit breaker, plus what a load balancer needs and cockatiel
 * does not expose: whether a call may be tried now. cockatiel moves Open to
 * HalfOpen only when a call is attempted, so a balancer that skipped every
 * Open breaker would never send the trial call; `acceptsCalls` is true again
 * once halfOpenAfter has passed.
 */
export class Breaker {
  readonly policy: CircuitBreakerPolicy;
  private openedAt = 0;
  opens = 0;
  closes = 0;

  /**
   * `isFailure`: which errors count against the circuit. One that says nothing
   * about the callee (e.g. a request the client shaped so it cannot be sent)
   * passes through without counting.
   */
  constructor(
    readonly settings: BreakerSettings,
    private readonly now: () => number = Date.now,
    isFailure: (err: Error) => boolean = () => true,
  ) {
    this.policy = circuitBreaker(handleWhen(isFailure), {
      halfOpenAfter: settings.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(settings.failures),
    });
    this.policy.onBreak(() => {
      this.openedAt = this.now();
      this.opens++;
    });
    this.policy.onReset(() => this.closes++);
  }

  get state(): 'closed' | 'open' | 'half-open' {
    switch (this.policy.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return 'open';
    }
  }

  /** False while open and not yet due for its trial call, or while the trial is in flight. */
  get acceptsCalls(): boolean {
    const state = this.policy.state;
    if (state === CircuitState.Closed) return true;
    if (state === CircuitState.HalfOpen) return false;
    return this.now() - this.openedAt >= this.settings.halfOpenAfterMs;
  }

  execute<T>(fn: () => Promise<T>): Promise<T> {
    return this.policy.execute(fn);
  }
}
