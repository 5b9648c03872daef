import type { Cache } from './cache.js';

/** CACHE_ENABLED=false: every read goes to the source. The baseline that cache benchmarks compare against. */
export function createDisabledCache(): Cache {
  return {
    getOrLoad: (_kind, _key, load) => load(),
    getMany: async () => new Map(),
    set: async () => {},
    delete: async () => {},
    invalidateTags: async () => {},
    close: async () => {},
  };
}
