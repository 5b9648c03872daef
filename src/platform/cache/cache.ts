/**
 * The kinds of data the system caches; each has its own TTL (config
 * CACHE_TTL_<KIND>_S) and shows up as its own `cache` label in metrics.
 */
export type DataKind = 'profile' | 'article' | 'list' | 'tags' | 'viewer' | 'link' | 'product' | 'search';

export interface CacheEntryOptions {
  /** Invalidate every entry carrying one of these with `invalidateTags`. */
  tags?: string[];
}

/** Loads the rows of `missing` keys in one query; keys it does not return are not cached. */
export type LoadMissing<T> = (missing: readonly string[]) => Promise<ReadonlyMap<string, T>>;

/**
 * What services see of the cache. The write strategy is named where it is
 * used: cache-aside is `getOrLoad` / `getManyOrLoad`, write-through is `set`
 * after a write.
 *
 * Cache-aside fills are safe against concurrent writes: a value loaded
 * while a write invalidated its key (or a tag it carries) answers its
 * caller but is not kept, so the next read sees the write, not the old row
 * until the TTL. That is why a fill after a database read goes through
 * `getOrLoad`/`getManyOrLoad`, never `set`.
 */
export interface Cache {
  /** Cache-aside: the cached value, or `load()` once for all concurrent callers (stampede protection). */
  getOrLoad<T>(kind: DataKind, key: string, load: () => Promise<T>, options?: CacheEntryOptions): Promise<T>;
  /**
   * The value if this process holds a fresh copy in memory (the near cache), synchronously; otherwise
   * undefined and nothing is asked of the tiers below (follow with `getOrLoad`). For hot paths that can
   * answer a hit without a promise: every promise costs async-hook bookkeeping once AsyncLocalStorage is on.
   */
  peek<T>(kind: DataKind, key: string): T | undefined;
  /** Cached values for the keys found; no loading. */
  getMany<T>(kind: DataKind, keys: readonly string[]): Promise<Map<string, T>>;
  /** Cache-aside for a batch: the cached values, and every miss loaded by one call of `loadMissing`. */
  getManyOrLoad<T>(kind: DataKind, keys: readonly string[], loadMissing: LoadMissing<T>, options?: CacheEntryOptions): Promise<Map<string, T>>;
  /** Write-through: store the value just written to the database (never a value read: see above). */
  set<T>(kind: DataKind, key: string, value: T, options?: CacheEntryOptions): Promise<void>;
  delete(kind: DataKind, key: string): Promise<void>;
  invalidateTags(tags: string[]): Promise<void>;
  close(): Promise<void>;
}
