import type { Lsn } from './lsn.js';

/**
 * Each user's last write position (read-your-writes), shared by every
 * process that serves the user: Redis with REDIS_URL, else this process.
 */
export interface WritePositions {
  /** Keeps the larger of the stored and the given position. */
  remember(userId: number, lsn: Lsn): Promise<void>;
  /** null: no write on record (any healthy replica will do); 'unknown': the store could not answer (read from the primary). */
  positionOf(userId: number): Promise<Lsn | null | 'unknown'>;
  close(): Promise<void>;
}

/** In process: a map with a time to live, enough for one process (the embedded shape). */
export class MemoryWritePositions implements WritePositions {
  private readonly positions = new Map<number, { lsn: Lsn; until: number }>();

  constructor(private readonly ttlMs: number) {}

  async remember(userId: number, lsn: Lsn): Promise<void> {
    const now = Date.now();
    const known = this.positions.get(userId);
    if (!known || known.until < now || known.lsn < lsn) this.positions.set(userId, { lsn, until: now + this.ttlMs });
    // Expired entries go as new ones come: the map never holds more than the users of one TTL.
    if (this.positions.size > 10_000) for (const [id, p] of this.positions) if (p.until < now) this.positions.delete(id);
  }

  async positionOf(userId: number): Promise<Lsn | null> {
    const known = this.positions.get(userId);
    return known && known.until >= Date.now() ? known.lsn : null;
  }

  async close(): Promise<void> {}
}
