import type { Cache, CacheEntryOptions, DataKind, LoadMissing } from './cache.js';

/**
 * A value as the tiers (L1, L2) hold it: with the time its load began, so a
 * copy's age is known in every instance, and with its tags, so a copy found
 * by a batch read can still be dropped by tag. Every instance stores this
 * shape, near cache on or off, so they can share one Redis.
 */
export interface Stamped<T> {
  v: T;
  at: number;
  tags?: readonly string[];
}

/** What another instance (or a tag) invalidated, as the tiers' bus reports it. */
export type Invalidation = { keys: readonly string[]; tags: readonly string[] } | 'all';

/** The shared tiers (bentocache): the Cache port's operations on stamped values, and word of remote invalidations. */
export interface Tiers {
  getOrLoad<T>(kind: DataKind, key: string, load: () => Promise<T>, options?: CacheEntryOptions): Promise<Stamped<T>>;
  getMany<T>(kind: DataKind, keys: readonly string[]): Promise<Map<string, Stamped<T>>>;
  getManyOrLoad<T>(kind: DataKind, keys: readonly string[], loadMissing: LoadMissing<T>, options?: CacheEntryOptions): Promise<Map<string, Stamped<T>>>;
  /** Refresh-ahead: loads `key` afresh whatever is cached and stores it as a fill (not kept if a write overlapped the load). */
  refresh<T>(kind: DataKind, key: string, load: () => Promise<T>, options?: CacheEntryOptions): Promise<Stamped<T>>;
  /** The same for a batch, in one call of `load`. */
  refreshMany<T>(kind: DataKind, keys: readonly string[], load: LoadMissing<T>, options?: CacheEntryOptions): Promise<Map<string, Stamped<T>>>;
  set<T>(kind: DataKind, key: string, value: T, options?: CacheEntryOptions): Promise<void>;
  delete(kind: DataKind, key: string): Promise<void>;
  invalidateTags(tags: string[]): Promise<void>;
  onRemoteInvalidation(listener: (invalidation: Invalidation) => void): void;
  close(): Promise<void>;
}

export function stamp<T>(value: T, at: number, options: CacheEntryOptions | undefined): Stamped<T> {
  return options?.tags?.length ? { v: value, at, tags: options.tags } : { v: value, at };
}

/** A value found below that is not stamped (a corrupt or foreign entry): served as it is, with no known age. */
export function asStamped<T>(value: Stamped<T> | T): Stamped<T> {
  const isStamped = typeof value === 'object' && value !== null && 'v' in value && typeof (value as { at?: unknown }).at === 'number';
  return isStamped ? (value as Stamped<T>) : { v: value as T, at: 0 };
}

/** The Cache port straight over the tiers (CACHE_NEAR_ENABLED=false). */
export function plainCache(tiers: Tiers): Cache {
  return {
    getOrLoad: async (kind, key, load, options) => (await tiers.getOrLoad(kind, key, load, options)).v,
    // No copy in this process's memory that is not behind a promise (bentocache's L1 is read asynchronously).
    peek: () => undefined,
    getMany: async <T>(kind: DataKind, keys: readonly string[]) => {
      const found = new Map<string, T>();
      for (const [key, stamped] of await tiers.getMany<T>(kind, keys)) found.set(key, stamped.v);
      return found;
    },
    getManyOrLoad: async <T>(kind: DataKind, keys: readonly string[], loadMissing: LoadMissing<T>, options?: CacheEntryOptions) => {
      const found = new Map<string, T>();
      for (const [key, stamped] of await tiers.getManyOrLoad<T>(kind, keys, loadMissing, options)) found.set(key, stamped.v);
      return found;
    },
    set: (kind, key, value, options) => tiers.set(kind, key, value, options),
    delete: (kind, key) => tiers.delete(kind, key),
    invalidateTags: (tags) => tiers.invalidateTags(tags),
    close: () => tiers.close(),
  };
}
