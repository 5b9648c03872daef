import DataLoader from 'dataloader';
import { currentStatementScope, withStatementScope, type StatementScope } from './statement-scope.js';

/** Reads the rows of many distinct keys in one statement; keys it does not return were not found. */
export type LookupMany<K, V> = (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>;

export interface BatchedLookup<K, V> {
  /** The row of `key`, read by a statement that starts after this call (never one already running), or undefined. */
  load(key: K): Promise<V | undefined>;
}

/**
 * Lookups by key that share a statement when they arrive together: a lookup asked for while the previous batch
 * is still being read waits for it and goes out in the next batch, with every other lookup that arrived
 * meanwhile; an idle lookup goes out at the end of the event loop's turn (setImmediate), with the lookups of
 * every request read in that turn.
 *
 * Why: most of a single-row select's cost is the statement, not the row. On PGlite one connection answers, and a
 * select of 1 article by slug took ~240 µs where 10 by `slug = any($1)` took ~40 µs each
 * (docs/perf/embedded-miss-cost.mts); so when an expiry wave makes many requests miss at once, one statement per
 * miss queued them behind each other. PGlite runs a statement synchronously, holding the event loop: the requests
 * that arrive meanwhile are read together in the next turn, which is why an idle batch waits for the turn's end
 * and not only for the next tick (at a 1 s TTL over 2,000 articles: 5 misses a statement and 4,603 req/s, against
 * one a statement and 1,147 req/s). On a pooled server the same batching saves round trips and connections.
 * A batch only ever starts after each of its lookups was asked for, so a read after a write sees the write, and
 * it runs in a scope joined from its askers' (jointScope): read routing sees every asker's read-your-writes
 * position, and each asker's statement count gets the batch's statements.
 */
export function batchedLookup<K, V>(lookupMany: LookupMany<K, V>, options: { maxBatch?: number } = {}): BatchedLookup<K, V> {
  let reading: Promise<unknown> | null = null;
  const loader = new DataLoader<{ key: K; scope: StatementScope | undefined }, V | undefined>(
    async (asks) => {
      const askers = new Set(asks.map((ask) => ask.scope));
      const scope = jointScope([...askers]);
      const batch = withStatementScope(scope, () => lookupMany([...new Set(asks.map((ask) => ask.key))]));
      reading = batch;
      try {
        const found = await batch;
        return asks.map((ask) => found.get(ask.key));
      } finally {
        if (reading === batch) reading = null;
        for (const asker of askers) if (asker) asker.count += scope.count;
      }
    },
    {
      cache: false,
      maxBatchSize: options.maxBatch ?? 100,
      batchScheduleFn: (dispatch) => {
        if (reading) reading.then(dispatch, dispatch);
        else setImmediate(dispatch);
      },
    },
  );
  return { load: (key) => loader.load({ key, scope: currentStatementScope() }) };
}

/**
 * The scope a batch runs in, whoever's request happened to start it: replica reads only if every asker may read
 * from a replica (one with no scope, background work, may not), and then only from one that has replayed the
 * latest of their users' writes.
 */
function jointScope(askers: readonly (StatementScope | undefined)[]): StatementScope {
  const replicaReads = askers.every((scope) => scope?.replicaReads === true);
  let minLsn: bigint | null = null;
  for (const scope of askers) {
    const position = scope?.minLsn;
    if (position !== null && position !== undefined && (minLsn === null || position > minLsn)) minLsn = position;
  }
  return { count: 0, replicaReads, minLsn };
}
