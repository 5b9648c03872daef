import { LRUCache } from 'lru-cache';
import { outsideAnyContext } from '../context/async-context.js';
import type { Cache, CacheEntryOptions, DataKind, LoadMissing } from './cache.js';
import type { CacheMetrics } from './cache-metrics.js';
import type { Stamped, Tiers } from './tiers.js';

export interface NearCacheSettings {
  maxItems: number;
  /** The kind's TTL (jittered); a near copy expires that long after its value was loaded, never later. */
  ttlMs: (kind: DataKind) => number;
  /** Refresh-ahead (CACHE_REFRESH_AHEAD): a hit past this share of the copy's TTL reloads it in the background; 1 never does. */
  refreshAhead: number;
  metrics: CacheMetrics;
}

interface NearEntry {
  value: unknown;
  expiresAt: number;
  /** From then on, a hit starts a reload (refresh-ahead). */
  refreshAt: number;
  tags: readonly string[];
}

/**
 * The near cache: live, frozen objects in front of bentocache, for reads.
 * A cached read through bentocache costs option objects, a timeout, an
 * event, a JSON parse and one more lookup per tag; on a cached article
 * read that was about a fifth of the process's CPU (profile in
 * docs/patterns/caching.md). Here a repeat read is one Map lookup.
 *
 * It stays as correct as the tiers below it:
 * - a copy expires at its load time (stamped below) + the kind's TTL, so no value is older than the TTL;
 * - our writes drop it before and after they reach the tiers below, and
 *   bentocache's bus messages (other instances' writes, tag invalidations) drop it too;
 * - a read that raced any invalidation is answered but not kept (the epoch check).
 */
export function withNearCache(inner: Tiers, settings: NearCacheSettings): Cache {
  const keysByTag = new Map<string, Set<string>>();
  const near = new LRUCache<string, NearEntry>({
    max: settings.maxItems,
    dispose: (entry, key) => {
      for (const tag of entry.tags) {
        const keys = keysByTag.get(tag);
        // Emptied sets go too: tags can be per author or per tag name (article-cache.ts), many over a process's life.
        if (keys?.delete(key) && keys.size === 0) keysByTag.delete(tag);
      }
    },
  });
  // Bumped by every invalidation: a load that saw another epoch may hold a value already replaced.
  let epoch = 0;

  const fresh = (full: string): NearEntry | undefined => {
    const entry = near.get(full);
    if (entry && entry.expiresAt <= Date.now()) {
      near.delete(full);
      return undefined;
    }
    return entry;
  };
  const keep = (kind: DataKind, full: string, stamped: Stamped<unknown>, seenEpoch: number) => {
    const ttl = settings.ttlMs(kind);
    const expiresAt = stamped.at + ttl;
    const refreshAt = settings.refreshAhead < 1 ? stamped.at + ttl * settings.refreshAhead : Infinity;
    const tags = stamped.tags ?? [];
    if (seenEpoch !== epoch || expiresAt <= Date.now()) return false;
    near.set(full, { value: deepFreeze(stamped.v), expiresAt, refreshAt, tags });
    for (const tag of tags) {
      const keys = keysByTag.get(tag);
      if (keys) keys.add(full);
      else keysByTag.set(tag, new Set([full]));
    }
    return true;
  };
  const drop = (keys: readonly string[], tags: readonly string[] = []) => {
    epoch++;
    for (const key of keys) near.delete(key);
    for (const tag of tags) for (const key of [...(keysByTag.get(tag) ?? [])]) near.delete(key);
  };
  /** Drops the near copies, writes below, and drops them again: a read that overlapped the write is not kept. */
  const around = async (keys: readonly string[], tags: readonly string[], write: () => Promise<void>) => {
    drop(keys, tags);
    try {
      await write();
    } finally {
      drop(keys, tags);
    }
  };

  // Refresh-ahead. A key read often is reloaded before it expires, so its readers never wait on the load; one
  // reload per key at a time, never awaited by the read that started it. Its result is kept like any fill (the
  // epoch check). A reload not kept (an invalidation overlapped it, or the source no longer has the key) drops
  // the old copy, or every later read would start another reload; the next read goes to the tiers below. A
  // failed reload leaves the copy to expire, and the next late read tries again.
  const refreshing = new Set<string>();
  const dueForRefresh = (full: string, hit: NearEntry, now: number) => hit.refreshAt <= now && !refreshing.has(full);
  const refreshInBackground = <T>(kind: DataKind, keys: readonly string[], reload: () => Promise<ReadonlyMap<string, Stamped<T>>>) => {
    const fulls = keys.map((key) => `${kind}:${key}`);
    for (const full of fulls) refreshing.add(full);
    settings.metrics.refreshes.inc({ cache: kind }, keys.length);
    const seenEpoch = epoch;
    // Outside the reading request's context: the reload serves every later reader, not the one that set it off.
    void outsideAnyContext(reload)
      .then((loaded) => {
        keys.forEach((key, i) => {
          const stamped = loaded.get(key);
          if (!stamped || !keep(kind, fulls[i]!, stamped, seenEpoch)) near.delete(fulls[i]!);
        });
      })
      // Nothing to report to a reader: the loader's failure is counted (cache_load_errors_total) below.
      .catch(() => {})
      .finally(() => {
        for (const full of fulls) refreshing.delete(full);
      });
  };

  /** The keys with a fresh near copy, the rest, and those of the copies due a refresh that none is running for. */
  const nearHits = <T>(kind: DataKind, keys: readonly string[]) => {
    const found = new Map<string, T>();
    const missing: string[] = [];
    const aging: string[] = [];
    const now = Date.now();
    for (const key of keys) {
      const full = `${kind}:${key}`;
      const hit = fresh(full);
      if (hit) {
        settings.metrics.hit(kind, 'near', false);
        found.set(key, hit.value as T);
        if (dueForRefresh(full, hit, now)) aging.push(key);
      } else {
        missing.push(key);
      }
    }
    return { found, missing, aging };
  };

  inner.onRemoteInvalidation((invalidation) => {
    if (invalidation === 'all') {
      epoch++;
      near.clear();
    } else {
      drop(invalidation.keys, invalidation.tags);
    }
  });

  return {
    getOrLoad: async <T>(kind: DataKind, key: string, load: () => Promise<T>, options?: CacheEntryOptions) => {
      const full = `${kind}:${key}`;
      const hit = fresh(full);
      if (hit) {
        settings.metrics.hit(kind, 'near', false);
        if (dueForRefresh(full, hit, Date.now())) {
          refreshInBackground(kind, [key], async () => new Map([[key, await inner.refresh(kind, key, load, options)]]));
        }
        return hit.value as T;
      }
      const seenEpoch = epoch;
      const stamped = await inner.getOrLoad(kind, key, load, options);
      keep(kind, full, stamped, seenEpoch);
      return stamped.v;
    },
    peek: <T>(kind: DataKind, key: string) => {
      const hit = fresh(`${kind}:${key}`);
      if (!hit) return undefined;
      settings.metrics.hit(kind, 'near', false);
      return hit.value as T;
    },
    getMany: async <T>(kind: DataKind, keys: readonly string[]) => {
      const { found, missing } = nearHits<T>(kind, keys);
      if (missing.length === 0) return found;
      const seenEpoch = epoch;
      for (const [key, stamped] of await inner.getMany<T>(kind, missing)) {
        keep(kind, `${kind}:${key}`, stamped, seenEpoch);
        found.set(key, stamped.v);
      }
      return found;
    },
    getManyOrLoad: async <T>(kind: DataKind, keys: readonly string[], loadMissing: LoadMissing<T>, options?: CacheEntryOptions) => {
      const { found, missing, aging } = nearHits<T>(kind, keys);
      if (aging.length > 0) refreshInBackground(kind, aging, () => inner.refreshMany<T>(kind, aging, loadMissing, options));
      if (missing.length === 0) return found;
      const seenEpoch = epoch;
      for (const [key, stamped] of await inner.getManyOrLoad<T>(kind, missing, loadMissing, options)) {
        keep(kind, `${kind}:${key}`, stamped, seenEpoch);
        found.set(key, stamped.v);
      }
      return found;
    },
    set: <T>(kind: DataKind, key: string, value: T, options?: CacheEntryOptions) =>
      around([`${kind}:${key}`], [], () => inner.set(kind, key, value, options)),
    delete: (kind, key) => around([`${kind}:${key}`], [], () => inner.delete(kind, key)),
    invalidateTags: (tags) => around([], tags, () => inner.invalidateTags(tags)),
    close: async () => {
      near.clear();
      await inner.close();
    },
  };
}

/** Near copies are shared by every reader: freezing them turns an accidental mutation into an error, not a corrupt cache. */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}
