import { Type, type Static } from '@sinclair/typebox';

/**
 * What other services (orders) may ask the catalog: product facts and stock
 * reservations. Stock moves only through these: `reserve` takes units out of
 * what is available (never below zero, however many reserve at once),
 * `release` gives them back, `commit` makes them sold. Callers import this
 * file, never the service.
 */
export interface ProductSummary {
  id: number;
  sku: string;
  name: string;
  price: number;
  currency: string;
  stock: number;
}

export interface Reservation {
  id: string;
  productId: number;
  quantity: number;
  state: 'held' | 'committed' | 'released';
}

export interface CatalogClient {
  product(id: number): Promise<ProductSummary | null>;
  /**
   * Holds `quantity` units. `id` makes it idempotent: reserving again with the same id answers the
   * existing reservation. Throws SS_OUT_OF_STOCK (409) when fewer are available, SS_NOT_FOUND for no product.
   */
  reserve(input: { productId: number; quantity: number; id?: string }): Promise<Reservation>;
  /** A held reservation's units go back to stock; releasing again (or a committed one) changes nothing. */
  release(reservationId: string): Promise<Reservation>;
  /** A held reservation becomes sold: its units stay out of stock. */
  commit(reservationId: string): Promise<Reservation>;
}

export const CATALOG = 'catalog';

/** Events through the catalog's outbox, keyed by product id (one product's events keep their order). */
export const PRODUCT_CREATED = 'catalog.product.created';
export const PRODUCT_UPDATED = 'catalog.product.updated';
export const PRODUCT_DELETED = 'catalog.product.deleted';
export const STOCK_CHANGED = 'catalog.stock.changed';

export const ProductEvent = Type.Object({
  productId: Type.Integer({ minimum: 1 }),
  sku: Type.String(),
  category: Type.String(),
  price: Type.Integer({ minimum: 0 }),
  currency: Type.String(),
});
export type ProductEvent = Static<typeof ProductEvent>;

export const StockChangedEvent = Type.Object({
  productId: Type.Integer({ minimum: 1 }),
  /** Units available after the change. */
  stock: Type.Integer({ minimum: 0 }),
  /** Signed change of available units (-3 on a reservation of 3, +3 on its release, 0 on a commit). */
  delta: Type.Integer(),
  reservationId: Type.String(),
  reason: Type.Union([Type.Literal('reserved'), Type.Literal('released'), Type.Literal('committed')]),
});
export type StockChangedEvent = Static<typeof StockChangedEvent>;
