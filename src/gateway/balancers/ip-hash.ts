import { hash32, type Balancer, type Candidate, type PickContext } from './balancer.js';

/**
 * The same client address goes to the same replica while the set is stable
 * (nginx's ip_hash). When a replica leaves, about everyone moves: use
 * consistent-hash when that matters.
 */
export class IpHash implements Balancer {
  readonly name = 'ip-hash';

  pick<C extends Candidate>(candidates: readonly C[], context: PickContext): C | undefined {
    if (candidates.length === 0) return undefined;
    const sorted = [...candidates].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return sorted[hash32(context.clientIp) % sorted.length];
  }
}
