import type { Balancer, Candidate } from './balancer.js';

/** Each replica in turn. Even when requests cost the same; blind to slow replicas. */
export class RoundRobin implements Balancer {
  readonly name = 'round-robin';
  private next = 0;

  pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
    if (candidates.length === 0) return undefined;
    const chosen = candidates[this.next % candidates.length];
    this.next = (this.next + 1) % 1_000_000_007;
    return chosen;
  }
}
