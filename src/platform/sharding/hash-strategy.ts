import { createHash } from 'node:crypto';
import type { ShardKey, ShardStrategy, WriteTargets } from './shard-map.js';
import { keyText } from './key-text.js';

const MASK_64 = (1n << 64n) - 1n;

/**
 * Jump consistent hash (Lamping & Veach, 2014): a key's bucket among n. Going
 * from n to n+1 shards moves only ~1/(n+1) of the keys, all to the new shard;
 * it needs no ring and no memory. Shards can only be appended, never removed
 * from the middle (that is what the directory strategy is for).
 */
export function jumpHash(key64: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  let k = key64 & MASK_64;
  while (j < buckets) {
    b = j;
    k = (k * 2862933555777941757n + 1n) & MASK_64;
    j = Math.floor((b + 1) * (2 ** 31 / (Number(k >> 33n) + 1)));
  }
  return b;
}

/** 64 bits of MD5 of the key's text: stable across processes, machines and Node versions (never String.hashCode-like). */
export function hash64(key: ShardKey): bigint {
  return createHash('md5').update(keyText(key), 'utf8').digest().readBigUInt64BE(0);
}

export function hashIndex(key: ShardKey, shardCount: number): number {
  return shardCount === 1 ? 0 : jumpHash(hash64(key), shardCount);
}

/** Hash sharding: even spread, no lookup, but a span of keys is on every shard. */
export function hashStrategy(shardCount: number): ShardStrategy {
  return {
    kind: 'hash',
    shardIndex: async (key) => hashIndex(key, shardCount),
    write: async <T>(key: ShardKey, apply: (t: WriteTargets) => Promise<T>) => apply({ owner: hashIndex(key, shardCount) }),
  };
}
