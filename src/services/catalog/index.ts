import type { ServiceModule } from '../../platform/runtime/service-module.js';
import { CatalogCache } from './data/catalog-cache.js';
import { CatalogShards } from './data/shards.js';
import { ProductsDomain } from './domain/products.js';
import { ReservationsDomain } from './domain/reservations.js';
import { createCatalogClient } from './catalog-client.js';
import { catalogMigrations } from './migrations.js';
import { productsRoutes } from './routes/products.routes.js';
import { internalRoutes } from './routes/internal.routes.js';
import { withBreaker } from './breaking-catalog-client.js';
import { openShards } from '../../platform/sharding/open-shards.js';
import { openBlobs } from '../../platform/blobs/open-blobs.js';
import { ProductImages } from './domain/images.js';
import { imagesRoutes } from './routes/images.routes.js';

/** catalog: products, categories, stock reservations and search. Owns the `catalog` schema. */
export const catalogService: ServiceModule = {
  name: 'catalog',
  migrations: catalogMigrations,
  create: async ({ config, db, cache, outbox, metrics }) => {
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
    // INTERNAL_TRANSPORT=grpc: the same contract on a gRPC server of its own (CATALOG_GRPC_PORT, 0 = any free port),
    // with the same signed trust as /internal/catalog; callers find its port there (ADR 0038).
    // @grpc/grpc-js is imported only then (~11 MB of memory a process on HTTP does not hold).
    const grpc = config.INTERNAL_TRANSPORT === 'grpc' && config.INTERNAL_SECRET
      ? await (await import('./routes/grpc.service.js')).startCatalogGrpc(client, {
        secret: config.INTERNAL_SECRET, window: { maxAgeMs: config.INTERNAL_SIG_MAX_AGE_MS, maxFutureMs: config.INTERNAL_SIG_MAX_FUTURE_MS },
        host: config.HOST, port: config.CATALOG_GRPC_PORT, registry: metrics.registry,
      })
      : undefined;
    return {
      routes: async (app) => {
        await app.register(productsRoutes(products));
        await app.register(imagesRoutes(images, imageOptions));
      },
      client,
      internalRoutes: internalRoutes(client, () => grpc?.port),
      close: async () => {
        await grpc?.close();
        await map.close();
        await blobs.close();
      },
    };
  },
  // Orders in a process of its own (`--topology services`) reserves stock through this: over /internal/catalog,
  // or over gRPC with INTERNAL_TRANSPORT=grpc; the same breaker in front of either. Both are loaded only where
  // catalog is remote: the embedded process holds neither's pools (undici, gRPC).
  remoteClient: async (endpoints) =>
    withBreaker(endpoints.transport === 'grpc'
      ? (await import('./grpc-catalog-client.js')).createGrpcCatalogClient(endpoints)
      : (await import('./http-catalog-client.js')).createHttpCatalogClient(endpoints)),
};
