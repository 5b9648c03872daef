import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';
import { TimeoutPause } from './timeout-pause.js';

/**
 * The counters of some names at one moment (taken before reading the source of truth). A snapshot of more
 * names serves a check of fewer: a batch reads its counters beside its lookup, before it knows its misses.
 */
export interface GenerationSnapshot {
  local: ReadonlyMap<string, number>;
  /** Null when the shared counters could not be read (Redis away). */
  shared: ReadonlyMap<string, string | null> | null;
}

/**
 * Invalidation counters per cache key and per tag: what lets a cache-aside
 * fill know that a write invalidated its key while it was reading the
 * database, so the old value it read is not kept.
 *
 * The protocol (bento-cache.ts): a write commits, bumps the counters of the
 * keys and tags it invalidates, then drops the entries; a fill reads the
 * counters, loads, stores, then reads them again and drops what it stored
 * if any moved. Whichever order the two interleave in, the old value does
 * not survive: a bump before the fill's second read is seen by it; a bump
 * after it is followed by the write's own drop, which comes after the store.
 *
 * Counters live in this process (always) and in Redis (with L2), so a write
 * in one instance is seen by a fill in another. With Redis away, only this
 * process's writes are seen (the tiers are degraded anyway: no L2, no bus).
 */
export class Generations {
  // Bounded: a counter evicted during a fill reads as 0, which at worst makes a fill drop a good value
  // (it had moved) or, for a counter bumped from 0 and evicted within one fill, miss it; at 50,000 names
  // that needs 50,000 other invalidations during one database read.
  private readonly local = new LRUCache<string, number>({ max: 50_000 });
  /** After a Redis timeout the shared counters are skipped for a while (like bentocache's L2 breaker). */
  private readonly sharedPause = new TimeoutPause();

  constructor(
    private readonly shared?: { redis: Redis; prefix: string; ttlMs: number },
  ) {}

  async read(names: readonly string[]): Promise<GenerationSnapshot> {
    const local = new Map(names.map((n) => [n, this.local.get(n) ?? 0]));
    const shared = await this.readShared(names);
    return { local, shared: shared && new Map(names.map((n, i) => [n, shared[i] ?? null])) };
  }

  /** Which of `names` were invalidated since `before` was taken (a name `before` did not read counts as invalidated). */
  async changed(names: readonly string[], before: GenerationSnapshot): Promise<Set<string>> {
    const changed = new Set(names.filter((n) => (this.local.get(n) ?? 0) !== before.local.get(n)));
    const { shared } = before;
    if (shared) {
      const now = await this.readShared(names);
      if (now) names.forEach((n, i) => (!shared.has(n) || now[i] !== shared.get(n)) && changed.add(n));
    }
    return changed;
  }

  /** An invalidation of `names`: call after the write committed, before dropping the entries. */
  async bump(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    for (const n of names) this.local.set(n, (this.local.get(n) ?? 0) + 1);
    if (!this.shared || this.sharedPause.paused) return;
    const { redis, prefix, ttlMs } = this.shared;
    const multi = redis.multi();
    for (const n of names) multi.incr(prefix + n).pexpire(prefix + n, ttlMs);
    // Redis away: other instances cannot reach L2 or the bus either; this process's counters still moved.
    await multi.exec().catch((err: unknown) => this.sharedFailed(err));
  }

  /** A refused command (not connected: fails at once) costs nothing; a timed-out one would cost every miss its timeout. */
  private sharedFailed(err: unknown): null {
    this.sharedPause.failed(err);
    return null;
  }

  private async readShared(names: readonly string[]): Promise<(string | null)[] | null> {
    if (!this.shared || this.sharedPause.paused) return null;
    if (names.length === 0) return [];
    try {
      return await this.shared.redis.mget(...names.map((n) => this.shared!.prefix + n));
    } catch (err) {
      return this.sharedFailed(err);
    }
  }
}
