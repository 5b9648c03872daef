import type { Cache, DataKind, LoadMissing } from './cache.js';

/** CACHE_ENABLED=false: every read goes to the source. The baseline that cache benchmarks compare against. */
export function createDisabledCache(): Cache {
  return {
    getOrLoad: (_kind, _key, load) => load(),
    peek: () => undefined,
    getMany: async () => new Map(),
    getManyOrLoad: async <T>(_kind: DataKind, keys: readonly string[], loadMissing: LoadMissing<T>) => new Map(await loadMissing(keys)),
    set: async () => {},
    delete: async () => {},
    invalidateTags: async () => {},
    close: async () => {},
  };
}
