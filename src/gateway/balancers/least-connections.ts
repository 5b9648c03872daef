import type { Balancer, Candidate } from './balancer.js';

/** The replica with the fewest requests in flight; ties go round-robin so idle replicas share evenly. */
export class LeastConnections implements Balancer {
  readonly name = 'least-connections';
  private turn = 0;

  pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
    if (candidates.length === 0) return undefined;
    let least = Infinity;
    for (const c of candidates) least = Math.min(least, c.inFlight);
    const tied = candidates.filter((c) => c.inFlight === least);
    this.turn = (this.turn + 1) % 1_000_000_007;
    return tied[this.turn % tied.length];
  }
}
