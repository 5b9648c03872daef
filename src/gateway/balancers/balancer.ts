/**
 * A load-balancing strategy: given the upstreams that are healthy right now
 * (admitted, breaker not open), choose one for this request. Strategies hold
 * no view of health; the pool filters first, so each is a few lines.
 */
export interface Candidate {
  /** Stable id of the replica (its URL). */
  readonly id: string;
  /** Requests sent to it and not yet answered, kept by the pool. */
  readonly inFlight: number;
}

export interface PickContext {
  /** The client's address (as the gateway sees it). */
  clientIp: string;
  /** The verified user id, when the request carried a valid token. */
  userId: number | null;
}

export interface Balancer {
  readonly name: string;
  pick<C extends Candidate>(candidates: readonly C[], context: PickContext): C | undefined;
}

/** FNV-1a, 32 bit: fast, well spread for short keys, no dependency. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final avalanche (murmur3's fmix32): FNV alone clusters keys that differ in the last character.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
