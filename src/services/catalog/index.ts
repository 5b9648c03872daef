import type { ServiceModule } from '../../platform/runtime/service-module.js';
import { CatalogCache } from './data/catalog-cache.js';
import { CatalogShards } from './data/shards.js';
import { ProductsDomain } from './domain/products.js';
import { ReservationsDomain } from './domain/reservations.js';
import { createCatalogClient } from './catalog-client.js';
import { catalogMigrations } from './migrations.js';
import { productsRoutes } from './routes/products.routes.js';

/** catalog: products, categories, stock reservations and search. Owns the `catalog` schema. */
export const catalogService: ServiceModule = {
  name: 'catalog',
  migrations: catalogMigrations,
  create: ({ db, cache, outbox }) => {
    const shards = new CatalogShards([db]);
    const catalogCache = new CatalogCache(cache);
    const products = new ProductsDomain(shards, catalogCache, outbox);
    const reservations = new ReservationsDomain(shards, catalogCache, outbox);
    return {
      routes: productsRoutes(products),
      client: createCatalogClient(products, reservations),
    };
  },
};
