import { hash32, type Balancer, type Candidate, type PickContext } from './balancer.js';

const VIRTUAL_NODES = 160;

/**
 * A hash ring keyed on the user id (the client address for anonymous
 * requests), with 160 virtual nodes per replica (ketama's count): a user
 * stays on one replica (warm per-user caches), and when a replica joins or
 * leaves only about 1/n of the users move.
 */
export class ConsistentHash implements Balancer {
  readonly name = 'consistent-hash';
  private ringKey = '';
  private ring: Array<{ point: number; id: string }> = [];

  pick<C extends Candidate>(candidates: readonly C[], context: PickContext): C | undefined {
    if (candidates.length === 0) return undefined;
    this.rebuild(candidates);
    const key = context.userId !== null ? `user:${context.userId}` : `ip:${context.clientIp}`;
    const id = this.lookup(hash32(key));
    return candidates.find((c) => c.id === id) ?? candidates[0];
  }

  private rebuild(candidates: readonly Candidate[]): void {
    const key = candidates.map((c) => c.id).sort().join('|');
    if (key === this.ringKey) return;
    this.ringKey = key;
    this.ring = candidates
      .flatMap((c) => Array.from({ length: VIRTUAL_NODES }, (_, v) => ({ point: hash32(`${c.id}#${v}`), id: c.id })))
      .sort((a, b) => a.point - b.point);
  }

  /** The first ring point at or after `point`, wrapping around (binary search). */
  private lookup(point: number): string {
    let lo = 0;
    let hi = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ring[mid]!.point < point) lo = mid + 1;
      else hi = mid;
    }
    return (this.ring[lo] ?? this.ring[0]!).id;
  }
}
