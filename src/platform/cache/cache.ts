/**
 * The kinds of data the system caches; each has its own TTL (config
 * CACHE_TTL_<KIND>_S) and shows up as its own `cache` label in metrics.
 */
export type DataKind = 'profile' | 'article' | 'list' | 'tags';

export interface CacheEntryOptions {
  /** Invalidate every entry carrying one of these with `invalidateTags`. */
  tags?: string[];
}

/**
 * What services see of the cache. The write strategy is named where it is
 * used: cache-aside is `getOrLoad`, write-through is `set` after a write.
 */
export interface Cache {
  /** Cache-aside: the cached value, or `load()` once for all concurrent callers (stampede protection). */
  getOrLoad<T>(kind: DataKind, key: string, load: () => Promise<T>, options?: CacheEntryOptions): Promise<T>;
  /** Cached values for the keys found; no loading (callers batch their misses into one query). */
  getMany<T>(kind: DataKind, keys: readonly string[]): Promise<Map<string, T>>;
  /** Write-through: store the value just written to the database. */
  set<T>(kind: DataKind, key: string, value: T, options?: CacheEntryOptions): Promise<void>;
  delete(kind: DataKind, key: string): Promise<void>;
  invalidateTags(tags: string[]): Promise<void>;
  close(): Promise<void>;
}
