import { type PRODUCT_CREATED, type PRODUCT_DELETED, type PRODUCT_UPDATED, STOCK_CHANGED, type ProductEvent, type StockChangedEvent } from '../../../contracts/catalog.js';
import type { ProductRow } from '../data/products.store.js';

/** Keyed by product id: one product's events keep their order where the broker orders by key. */
export function productEvent(topic: typeof PRODUCT_CREATED | typeof PRODUCT_UPDATED | typeof PRODUCT_DELETED, row: ProductRow) {
  const payload: ProductEvent = { productId: row.id, sku: row.sku, category: row.category, price: Number(row.price), currency: row.currency };
  return { topic, key: String(row.id), payload };
}

export function stockChangedEvent(payload: StockChangedEvent) {
  return { topic: STOCK_CHANGED, key: String(payload.productId), payload };
}
