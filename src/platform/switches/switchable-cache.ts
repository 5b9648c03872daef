import type { Cache } from '../cache/cache.js';
import type { SwitchBoard } from './switches.js';

/**
 * The cache behind the `cacheEnabled` switch. Off: reads go to the source and nothing is stored,
 * but deletes and tag invalidations still reach the cache, and a write-through `set` becomes a
 * delete, so turning it back on never serves a value older than a write made while it was off.
 */
export function switchableCache(cache: Cache, switches: SwitchBoard): Cache {
  const on = () => switches.values().cacheEnabled;
  return {
    getOrLoad: (kind, key, load, options) => (on() ? cache.getOrLoad(kind, key, load, options) : load()),
    peek: (kind, key) => (on() ? cache.peek(kind, key) : undefined),
    getMany: (kind, keys) => (on() ? cache.getMany(kind, keys) : Promise.resolve(new Map())),
    getManyOrLoad: async (kind, keys, loadMissing, options) => {
      if (on()) return cache.getManyOrLoad(kind, keys, loadMissing, options);
      return new Map(await loadMissing(keys));
    },
    set: (kind, key, value, options) => (on() ? cache.set(kind, key, value, options) : cache.delete(kind, key)),
    delete: (kind, key) => cache.delete(kind, key),
    invalidateTags: (tags) => cache.invalidateTags(tags),
    close: () => cache.close(),
  };
}
