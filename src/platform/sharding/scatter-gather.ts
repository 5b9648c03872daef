import type { ScatterOptions, ScatterResult, ScatterContext, Shard } from './shard-map.js';
import type { Database } from '../db/database.js';

/**
 * Asks every shard at once and merges. Each shard returns at most `limit`
 * rows after the cursor, in the global order, so the first `limit` rows of
 * the merge are the true first `limit` of the whole data set. The cost is one
 * query per shard and up to shards × limit rows fetched for `limit` kept
 * (docs/patterns/sharding.md has the numbers); the slowest shard sets the latency.
 */
export async function scatterGather<Row, C>(
  shards: readonly Shard[],
  query: (db: Database, context: ScatterContext<C>) => Promise<Row[]>,
  options: ScatterOptions<Row, C>,
): Promise<ScatterResult<Row, C>> {
  const asked = options.shards ? options.shards.map((i) => shardAt(shards, i)) : shards;
  const { limit, after } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  const perShard = await Promise.all(asked.map((shard) => query(shard.db, { shard, limit, after })));
  let rows = perShard.flat();
  // Re-sorting (rather than a k-way merge) also protects the result from a shard whose query forgot its ORDER BY.
  rows.sort(options.compare);
  if (options.distinctBy) {
    const seen = new Set<string>();
    const distinctBy = options.distinctBy;
    rows = rows.filter((row) => {
      const id = distinctBy(row);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  }
  if (limit !== undefined) rows = rows.slice(0, limit);
  const last = rows.at(-1);
  const next = limit !== undefined && rows.length === limit && last !== undefined && options.cursorOf ? options.cursorOf(last) : undefined;
  return { rows, next, fetched: perShard.map((r) => r.length) };
}

function shardAt(shards: readonly Shard[], index: number): Shard {
  const shard = shards[index];
  if (!shard) throw new RangeError(`no shard ${index} (there are ${shards.length})`);
  return shard;
}
