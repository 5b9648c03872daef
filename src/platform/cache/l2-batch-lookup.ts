import type { Redis } from 'ioredis';
import { TimeoutPause } from './timeout-pause.js';

/** What bentocache 1.6 keeps in L2 for a key: its CacheEntry, through its default JSON serializer. */
interface StoredEntry {
  value: unknown;
  logicalExpiration: number;
  tags?: string[];
}

/** How a batch lookup settled one key: its value, missing (absent, expired, unreadable), or left to bentocache. */
export type L2Answer = { value: unknown } | 'missing' | 'ask-bentocache';

/**
 * A batch's L2 lookups in one `MGET`. bentocache 1.6.1 (the newest release) has no batch read: it sends a
 * `GET` per key, each with its own option object, promise chain and reply. With the near cache in front, a batch
 * reaches L2 with the keys this process does not hold, often most of a page's.
 *
 * It reads entries as bentocache writes them (the JSON of `{ value, createdAt, logicalExpiration, tags? }` under
 * `<prefix>:<key>`); only reads, every store still goes through bentocache. An entry past its logical expiration
 * is missing, as a batch lookup takes no grace. A tagged entry is left to bentocache, which checks its tags
 * against their invalidations. `bento-cache.test.ts` reads what bentocache stored through this, so a release
 * that changed the format fails it.
 *
 * Measured: `BATCH_FILL_NEAR=1 node --import tsx docs/perf/cache-batch-fill.mts <without> <with> 3`, 20-key batches
 * half missing, six rounds each: median 2,232 batches/s (1,718–2,267) against 1,772 (1,473–1,849), 13 Redis commands
 * per batch against 22.
 */
export class L2BatchLookup {
  private readonly pause = new TimeoutPause();

  constructor(
    private readonly redis: Redis,
    /** bentocache's key prefix (its `prefix` option), without the trailing colon. */
    private readonly prefix: string,
  ) {}

  /** False for a while after a timed-out lookup (TimeoutPause): batches then take bentocache's path. */
  usable(): boolean {
    return !this.pause.paused;
  }

  /** Each key's answer, in order; rejects when Redis does (the caller falls back to bentocache). */
  async lookup(keys: readonly string[]): Promise<L2Answer[]> {
    let stored: (string | null)[];
    try {
      stored = await this.redis.mget(...keys.map((key) => `${this.prefix}:${key}`));
    } catch (err) {
      this.pause.failed(err);
      throw err;
    }
    const now = Date.now();
    return stored.map((raw) => answer(raw, now));
  }
}

function answer(raw: string | null, now: number): L2Answer {
  if (raw === null) return 'missing';
  let entry: StoredEntry;
  try {
    entry = JSON.parse(raw) as StoredEntry;
  } catch {
    return 'missing';
  }
  if (entry.tags && entry.tags.length > 0) return 'ask-bentocache';
  if (!(now < entry.logicalExpiration) || entry.value === null || entry.value === undefined) return 'missing';
  return { value: entry.value };
}
