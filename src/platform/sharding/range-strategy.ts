import type { ShardKey, ShardStrategy, WriteTargets } from './shard-map.js';
import { keyText } from './key-text.js';

const NUMERIC = /^-?\d+(\.\d+)?$/;

/**
 * Range sharding: shard i holds the keys in [bounds[i-1], bounds[i]), so
 * `bounds` has one entry fewer than there are shards and must ascend. When
 * every bound is a number, keys compare as numbers (ids, timestamps);
 * otherwise as strings, by UTF-16 code unit (not a locale collation). A span
 * query asks only the shards it overlaps; sequential keys all land on the last
 * shard (a hot spot), which is why ids are usually hashed instead.
 */
export function rangeStrategy(bounds: readonly string[], shardCount: number): ShardStrategy {
  if (bounds.length !== shardCount - 1) {
    throw new RangeError(`${shardCount} shards need ${shardCount - 1} range bound(s), got ${bounds.length}`);
  }
  const numeric = bounds.length > 0 && bounds.every((b) => NUMERIC.test(b.trim()));
  const points: (string | number)[] = bounds.map((b) => (numeric ? Number(b) : b));
  for (let i = 1; i < points.length; i++) {
    if (!((points[i - 1] as string | number) < (points[i] as string | number))) {
      throw new RangeError(`range bounds must ascend strictly: ${bounds.join(',')}`);
    }
  }

  const point = (key: ShardKey): string | number => {
    const text = keyText(key);
    if (!numeric) return text;
    const n = Number(text);
    if (!NUMERIC.test(text) || !Number.isFinite(n)) throw new TypeError(`numeric range shards need a numeric key, got ${JSON.stringify(text)}`);
    return n;
  };
  // The number of bounds <= key: binary search, since maps can have many ranges.
  const index = (key: ShardKey): number => {
    const p = point(key);
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((points[mid] as string | number) <= p) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  return {
    kind: 'range',
    shardIndex: async (key) => index(key),
    write: async <T>(key: ShardKey, apply: (t: WriteTargets) => Promise<T>) => apply({ owner: index(key) }),
    shardsForSpan: (from, to) => {
      const first = from === undefined ? 0 : index(from);
      const last = to === undefined ? shardCount - 1 : index(to);
      return Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);
    },
  };
}
