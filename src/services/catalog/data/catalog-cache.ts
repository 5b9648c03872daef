import type { Cache } from '../../../platform/cache/cache.js';
import { errors } from '../../../platform/errors/catalog.js';

/** Tags: every listing/search answer carries LISTS, the category list CATEGORIES; any product or stock change drops both. */
const LISTS = 'catalog:lists';
const CATEGORIES = 'catalog:categories';

/**
 * Cache-aside reads of the catalog: products by id (`product:id:<id>`, the
 * product TTL), the category list (tagged), and listing/search answers
 * (`search:<query>`, briefly, tagged). Every write calls `changed` before
 * answering, so the writer's next read (in any instance) is fresh. Misses
 * are never cached: an unknown id may be created a moment later.
 */
export class CatalogCache {
  constructor(private readonly cache: Cache) {}

  async product<T>(id: number, load: () => Promise<T | undefined>): Promise<T> {
    return this.cache.getOrLoad('product', `id:${id}`, async () => {
      const found = await load();
      if (found === undefined) throw errors.notFound('product');
      return found;
    });
  }

  async categories<T>(load: () => Promise<T>): Promise<T> {
    return this.cache.getOrLoad('product', 'categories', load, { tags: [CATEGORIES] });
  }

  async search<T>(key: string, load: () => Promise<T>): Promise<T> {
    return this.cache.getOrLoad('search', key, load, { tags: [LISTS] });
  }

  /** After a write to a product (or its stock): its entry, every listing and the categories go. */
  async changed(id: number): Promise<void> {
    await Promise.all([this.cache.delete('product', `id:${id}`), this.cache.invalidateTags([LISTS, CATEGORIES])]);
  }
}
