import type { ServiceModule } from '../../platform/runtime/service-module.js';
import { CatalogCache } from './data/catalog-cache.js';
import { CatalogShards } from './data/shards.js';
import { ProductsDomain } from './domain/products.js';
import { ReservationsDomain } from './domain/reservations.js';
import { createCatalogClient } from './catalog-client.js';
import { catalogMigrations } from './migrations.js';
import { productsRoutes } from './routes/products.routes.js';
import { internalRoutes } from './routes/internal.routes.js';
import { createHttpCatalogClient } from './http-catalog-client.js';
import { openShards } from '../../platform/sharding/open-shards.js';
import { openBlobs } from '../../platform/blobs/open-blobs.js';
import { ProductImages } from './domain/images.js';
import { imagesRoutes } from './routes/images.routes.js';

/** catalog: products, categories, stock reservations and search. Owns the `catalog` schema. */
export const catalogService: ServiceModule = {
  name: 'catalog',
  migrations: catalogMigrations,
  create: async ({ config, db, cache, outbox }) => {
    // CATALOG_SHARDS: products spread over those databases by the hash of their id (docs/patterns/search.md),
    // each with its own outbox, so a product's events commit with it.
    const map = await openShards({
      name: 'catalog', home: db, env: { CATALOG_SHARDS: config.CATALOG_SHARDS }, migrations: catalogMigrations, outbox, strategy: 'hash',
    });
    const shards = new CatalogShards(map);
    const catalogCache = new CatalogCache(cache);
    const products = new ProductsDomain(shards, catalogCache, outbox);
    const reservations = new ReservationsDomain(shards, catalogCache, outbox);
    const client = createCatalogClient(products, reservations);
    const blobs = await openBlobs({ url: config.BLOB_URL, dataDir: config.DATA_DIR });
    const images = new ProductImages(blobs, products);
    const imageOptions = { maxBytes: config.CATALOG_IMAGE_MAX_BYTES, redirectSeconds: config.CATALOG_IMAGE_REDIRECT_S };
    return {
      routes: async (app) => {
        await app.register(productsRoutes(products));
        await app.register(imagesRoutes(images, imageOptions));
      },
      client,
      internalRoutes: internalRoutes(client),
      close: async () => {
        await map.close();
        await blobs.close();
      },
    };
  },
  // Orders in a process of its own (`--topology services`) reserves stock through this, over /internal/catalog.
  remoteClient: createHttpCatalogClient,
};
