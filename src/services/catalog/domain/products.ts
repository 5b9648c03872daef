import { PRODUCT_CREATED, PRODUCT_DELETED, PRODUCT_UPDATED } from '../../../contracts/catalog.js';
import type { Outbox } from '../../../platform/bus/platform-bus.js';
import { errors } from '../../../platform/errors/catalog.js';
import type { CatalogCache } from '../data/catalog-cache.js';
import { isSkuTaken, type NewProduct, type ProductChanges } from '../data/products.store.js';
import { compareHits, PRICE_BANDS, sortValue, type ShardAnswer } from '../data/search.store.js';
import type { CatalogShards } from '../data/shards.js';
import type { CatalogTables } from '../data/tables.js';
import { productEvent } from './events.js';
import { decodeCursor, encodeCursor, searchTerms, type ProductQuery, type ProductSort } from './product-query.js';
import { hitView, productView, type ListView, type ProductView } from './views.js';

export interface ListInput {
  q?: string | undefined;
  category?: string | undefined;
  minPrice?: number | undefined;
  maxPrice?: number | undefined;
  inStock?: boolean | undefined;
  sort?: ProductSort | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** Product writes (admin), reads and search. Knows nothing of HTTP. */
export class ProductsDomain {
  constructor(
    private readonly shards: CatalogShards,
    private readonly cache: CatalogCache,
    private readonly outbox: Outbox,
  ) {}

  async get(id: number): Promise<ProductView> {
    return this.cache.product(id, async () => {
      const row = await (await this.shards.forId(id)).products.byId(id);
      return row && productView(row);
    });
  }

  async create(input: NewProduct): Promise<ProductView> {
    const product = checked(input);
    if (await this.skuTaken(product.sku)) throw errors.conflict('sku');
    const { id, shard } = await this.shards.forNew();
    const row = await shard.products.db
      .transaction()
      .execute(async (trx) => {
        const inserted = await shard.products.insert(trx, product, id);
        await this.outbox.add<CatalogTables>(trx, [productEvent(PRODUCT_CREATED, inserted)]);
        return inserted;
      })
      .catch((err: unknown) => {
        throw isSkuTaken(err) ? errors.conflict('sku') : err;
      });
    this.outbox.wake();
    await this.cache.changed(row.id);
    return productView(row);
  }

  async update(id: number, input: ProductChanges): Promise<ProductView> {
    const changes = checked(input);
    if (changes.sku !== undefined && (await this.skuTaken(changes.sku, id))) throw errors.conflict('sku');
    const shard = await this.shards.forId(id);
    const row = await shard.products.db
      .transaction()
      .execute(async (trx) => {
        const updated = await shard.products.update(trx, id, changes);
        if (updated) await this.outbox.add<CatalogTables>(trx, [productEvent(PRODUCT_UPDATED, updated)]);
        return updated;
      })
      .catch((err: unknown) => {
        throw isSkuTaken(err) ? errors.conflict('sku') : err;
      });
    if (!row) throw errors.notFound('product');
    this.outbox.wake();
    await this.cache.changed(id);
    return productView(row);
  }

  /** Names an uploaded image (already in the blob store) on the product: product.updated, caches dropped. */
  async addImage(id: number, sha256: string): Promise<ProductView> {
    const shard = await this.shards.forId(id);
    const row = await shard.products.db.transaction().execute(async (trx) => {
      const updated = await shard.products.addImage(trx, id, sha256);
      if (updated) await this.outbox.add<CatalogTables>(trx, [productEvent(PRODUCT_UPDATED, updated)]);
      return updated;
    });
    if (!row) throw errors.notFound('product');
    this.outbox.wake();
    await this.cache.changed(id);
    return productView(row);
  }

  async delete(id: number): Promise<void> {
    const shard = await this.shards.forId(id);
    const row = await shard.products.db.transaction().execute(async (trx) => {
      const deleted = await shard.products.delete(trx, id);
      if (deleted) await this.outbox.add<CatalogTables>(trx, [productEvent(PRODUCT_DELETED, deleted)]);
      return deleted;
    });
    if (!row) throw errors.notFound('product');
    this.outbox.wake();
    await this.cache.changed(id);
  }

  async categories(): Promise<{ slug: string; name: string; productsCount: number }[]> {
    return this.cache.categories(async () => {
      const perShard = await Promise.all(this.shards.all().map((s) => s.products.categories()));
      const merged = new Map<string, { slug: string; name: string; productsCount: number }>();
      for (const c of perShard.flat()) {
        const seen = merged.get(c.slug);
        merged.set(c.slug, seen ? { ...seen, productsCount: seen.productsCount + c.productsCount } : { ...c });
      }
      return [...merged.values()].sort((a, b) => (a.slug < b.slug ? -1 : 1));
    });
  }

  /** Listing and search: every shard answers the same keyset query; pages merge by the sort order, counts add up. */
  async list(input: ListInput): Promise<ListView> {
    const terms = searchTerms(input.q);
    const sort = input.sort ?? (terms ? 'relevance' : 'newest');
    if (sort === 'relevance' && !terms) throw errors.validation({ sort: ['relevance needs a search text (q)'] });
    if (input.minPrice !== undefined && input.maxPrice !== undefined && input.minPrice > input.maxPrice) {
      throw errors.validation({ minPrice: ['must not be above maxPrice'] });
    }
    const query: ProductQuery = {
      ...(terms ? { terms } : {}),
      ...(input.category !== undefined ? { category: input.category } : {}),
      ...(input.minPrice !== undefined ? { minPrice: input.minPrice } : {}),
      ...(input.maxPrice !== undefined ? { maxPrice: input.maxPrice } : {}),
      ...(input.inStock !== undefined ? { inStock: input.inStock } : {}),
      sort,
      limit: input.limit,
      ...(input.cursor !== undefined ? { after: decodeCursor(input.cursor, sort) } : {}),
    };
    return this.cache.search(JSON.stringify(query), async () => merge(query, await Promise.all(this.shards.all().map((s) => s.search.query(query)))));
  }

  private async skuTaken(sku: string, exceptId = 0): Promise<boolean> {
    const taken = await Promise.all(this.shards.all().map((s) => s.products.skuTaken(sku, exceptId)));
    return taken.some(Boolean);
  }
}

function merge(query: ProductQuery, answers: ShardAnswer[]): ListView {
  const hits = answers.flatMap((a) => a.hits).sort((x, y) => compareHits(query, x, y));
  const page = hits.slice(0, query.limit);
  const last = page.at(-1);
  const categories = new Map<string, number>();
  for (const a of answers) for (const [c, n] of a.categories) categories.set(c, (categories.get(c) ?? 0) + n);
  return {
    products: page.map((h) => hitView(h, query.terms !== undefined)),
    productsCount: answers.reduce((sum, a) => sum + a.total, 0),
    nextCursor: hits.length > query.limit && last ? encodeCursor(query.sort, { value: sortValue(query, last), id: last.id }) : null,
    facets: {
      categories: [...categories].map(([category, count]) => ({ category, count })).sort((a, b) => b.count - a.count || (a.category < b.category ? -1 : 1)),
      priceBands: PRICE_BANDS.map((b, i) => ({ ...b, count: answers.reduce((sum, a) => sum + (a.bands[i] ?? 0), 0) })),
    },
  };
}

/** Blank rules the schema cannot say (types, lengths and patterns are the route schema's). */
function checked<T extends Partial<NewProduct>>(input: T): T {
  const problems: Record<string, string[]> = {};
  if (input.name !== undefined && input.name.trim() === '') problems['name'] = ["can't be blank"];
  if (Object.keys(problems).length > 0) throw errors.validation(problems);
  return { ...input, ...(input.name !== undefined ? { name: input.name.trim() } : {}), ...(input.sku !== undefined ? { sku: input.sku.trim() } : {}) };
}
