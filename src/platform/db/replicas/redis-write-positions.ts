import type { Redis } from 'ioredis';
import { createRedis } from '../../redis/create-redis.js';
import { fromSortableLsn, sortableLsn, type Lsn } from './lsn.js';
import type { WritePositions } from './write-positions.js';

/** Sets the key only if the new position is later (fixed-width hex compares as strings). */
const REMEMBER_MAX = `
local known = redis.call('GET', KEYS[1])
if (not known) or known < ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1`;

/**
 * Write positions in Redis, so a user's next read is routed right by any
 * process. If Redis cannot answer, positionOf() says "unknown", which the
 * router treats as "read from the primary": slower, never stale.
 */
export class RedisWritePositions implements WritePositions {
  private readonly redis: Redis;

  constructor(url: string, private readonly prefix: string, private readonly ttlMs: number) {
    this.redis = createRedis(url, { name: 'db-write-positions' });
  }

  private key(userId: number): string {
    return `${this.prefix}:db:lsn:${userId}`;
  }

  async remember(userId: number, lsn: Lsn): Promise<void> {
    await this.redis.eval(REMEMBER_MAX, 1, this.key(userId), sortableLsn(lsn), String(this.ttlMs));
  }

  async positionOf(userId: number): Promise<Lsn | null | 'unknown'> {
    try {
      const text = await this.redis.get(this.key(userId));
      return text === null ? null : fromSortableLsn(text);
    } catch {
      return 'unknown';
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
