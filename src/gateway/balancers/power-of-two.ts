import type { Balancer, Candidate } from './balancer.js';

/**
 * Power of two choices: two replicas at random, the one with fewer requests
 * in flight. Nearly least-connections' balance without every gateway
 * herding onto the same "least loaded" replica (Mitzenmacher 2001).
 */
export class PowerOfTwo implements Balancer {
  readonly name = 'power-of-two';

  constructor(private readonly random: () => number = Math.random) {}

  pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
    const n = candidates.length;
    if (n <= 1) return candidates[0];
    const i = Math.floor(this.random() * n);
    let j = Math.floor(this.random() * (n - 1));
    if (j >= i) j++;
    const a = candidates[i]!;
    const b = candidates[j]!;
    return b.inFlight < a.inFlight ? b : a;
  }
}
