import type { ShardKey } from './shard-map.js';

/** The one text form of a key: what is hashed and what the directory stores (1, 1n and '1' are the same key). */
export function keyText(key: ShardKey): string {
  if (typeof key === 'number' && !Number.isFinite(key)) throw new TypeError(`shard key must be finite, got ${key}`);
  return typeof key === 'string' ? key : key.toString();
}
