import type { CatalogClient } from '../../contracts/catalog.js';
import type { ProductsDomain } from './domain/products.js';
import type { ReservationsDomain } from './domain/reservations.js';
import { errors } from '../../platform/errors/catalog.js';

/** The in-process implementation of the catalog's contract for co-located callers (orders). */
export function createCatalogClient(products: ProductsDomain, reservations: ReservationsDomain): CatalogClient {
  return {
    product: async (id) => {
      try {
        const { sku, name, price, currency, stock } = await products.get(id);
        return { id, sku, name, price, currency, stock };
      } catch (err) {
        if ((err as { code?: string }).code === errors.notFound('product').code) return null;
        throw err;
      }
    },
    reserve: (input) => reservations.reserve(input),
    release: (id) => reservations.release(id),
    commit: (id) => reservations.commit(id),
  };
}
