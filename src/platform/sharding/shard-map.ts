import type { Transaction } from 'kysely';
import type { Database } from '../db/database.js';

/** What a row is sharded by (a seller id, a short code, a tenant). Numbers and bigints are routed by their decimal text. */
export type ShardKey = string | number | bigint;

export type StrategyKind = 'hash' | 'range' | 'directory';

/** One database of a shard map. */
export interface Shard {
  /** Position in `<NAME>_SHARDS` (0-based); stable as long as the list is only appended to. */
  index: number;
  /** The URL without its password, or `default` for the service's own Database. */
  label: string;
  db: Database;
}

/** Where a write for a key goes: its owner, plus the shard it is moving to while a directory move copies it. */
export interface WriteTargets {
  owner: number;
  mirror?: number | undefined;
  /**
   * The directory's open transaction on the home Database (holding the entry's
   * lock): a shard that IS the home Database writes inside it rather than
   * waiting for a second connection from the same pool (PGlite has only one).
   */
  homeTransaction?: { db: Database; trx: Transaction<unknown> } | undefined;
}

/** How keys are placed on shards: one small file per strategy (hash, range, directory). */
export interface ShardStrategy {
  readonly kind: StrategyKind;
  /** The shard that owns `key`: reads go there. */
  shardIndex(key: ShardKey): Promise<number>;
  /**
   * Runs `apply` for a write of `key` while the key's placement cannot change
   * (the directory holds a share lock on its entry; hash and range never move a key).
   */
  write<T>(key: ShardKey, apply: (targets: WriteTargets) => Promise<T>): Promise<T>;
  /** Shards that can hold keys in [from, to] (range narrows a span query; the others answer every shard). */
  shardsForSpan?(from: ShardKey | undefined, to: ShardKey | undefined): number[];
}

/** What each shard's query gets in a scatter-gather. */
export interface ScatterContext<C> {
  shard: Shard;
  /** Return at most this many rows (undefined: no limit). Each shard must apply it, sorted like `compare`. */
  limit: number | undefined;
  /** Keyset cursor: return only rows after it in `compare` order (undefined on the first page). */
  after: C | undefined;
}

export interface ScatterOptions<Row, C> {
  /** The global order. Every shard's query must sort the same way (rows are re-sorted after the merge). */
  compare: (a: Row, b: Row) => number;
  /** Rows in the merged page. */
  limit?: number | undefined;
  /** The `next` of the previous page. */
  after?: C | undefined;
  /** Turns the last row of a page into the cursor of the next (needed for `next`). */
  cursorOf?: (row: Row) => C;
  /** Collapses rows seen on two shards (a key caught mid-move by a directory move) to one. */
  distinctBy?: (row: Row) => string;
  /** Only these shards (e.g. from `shardsForSpan`); default every shard. */
  shards?: readonly number[];
}

export interface ScatterResult<Row, C> {
  rows: Row[];
  /** Cursor of the next page, when `limit` rows came back and `cursorOf` was given. */
  next: C | undefined;
  /** Rows each asked shard returned before the merge (what the query cost). */
  fetched: number[];
}

/** A service's shards: routing by key, writes that survive directory moves, scatter-gather. */
export interface ShardMap {
  /** `catalog` for `CATALOG_SHARDS`. */
  readonly name: string;
  readonly strategy: StrategyKind;
  readonly shards: readonly Shard[];
  /** The Database that owns `key` (for reads; for writes use `write`). */
  shardFor(key: ShardKey): Promise<Database>;
  /** Index of the shard that owns `key`. */
  indexFor(key: ShardKey): Promise<number>;
  /** The shards a query over keys in [from, to] must ask: fewer than all only under range. */
  shardsForSpan(from: ShardKey | undefined, to: ShardKey | undefined): number[];
  /** Every shard's Database, in index order. */
  all(): readonly Database[];
  /**
   * Runs `fn` in a transaction on the key's shard and returns its result.
   * While a directory move copies the key, `fn` also runs (after, before the
   * owner commits) on the destination, so `fn` must be replayable: ids and
   * timestamps come from the caller, not from sequences or now().
   */
  write<Tables, T>(key: ShardKey, fn: (trx: Transaction<Tables>) => Promise<T>): Promise<T>;
  /** Same query on every shard at once, merged by `compare`, cut at `limit`. Costs one query per shard. */
  scatterGather<Row, C = Row>(
    query: (db: Database, context: ScatterContext<C>) => Promise<Row[]>,
    options: ScatterOptions<Row, C>,
  ): Promise<ScatterResult<Row, C>>;
  /** Closes the shard databases this map opened (never the service's own Database). */
  close(): Promise<void>;
}
