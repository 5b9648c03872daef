import type { CatalogClient } from '../../../contracts/catalog.js';
import { errors } from '../../../platform/errors/catalog.js';
import type { CartStore } from '../data/cart/cart-store.js';

export const MAX_LINE_QUANTITY = 100;
export const MAX_CART_LINES = 50;

export interface CartLine {
  productId: number;
  quantity: number;
  name: string;
  price: number;
  currency: string;
}

/** A user's cart. Quantities are ours; names and prices are the catalog's, read on every view (never kept, never trusted from the client). */
export class CartDomain {
  constructor(
    private readonly store: CartStore,
    private readonly catalog: CatalogClient,
  ) {}

  async view(userId: number): Promise<{ items: CartLine[]; total: number }> {
    const items: CartLine[] = [];
    for (const [productId, quantity] of await this.store.get(userId)) {
      const product = await this.catalog.product(productId);
      if (product) items.push({ productId, quantity, name: product.name, price: product.price, currency: product.currency });
    }
    items.sort((a, b) => a.productId - b.productId);
    return { items, total: items.reduce((sum, i) => sum + i.price * i.quantity, 0) };
  }

  /** Adds `quantity` to the line (a new line when absent). */
  async add(userId: number, productId: number, quantity: number) {
    const lines = await this.store.get(userId);
    if (!lines.has(productId) && lines.size >= MAX_CART_LINES) throw errors.validation({ items: [`at most ${MAX_CART_LINES} products`] });
    await this.requireProduct(productId);
    await this.store.set(userId, productId, this.checked((lines.get(productId) ?? 0) + quantity));
    return this.view(userId);
  }

  /** Sets the line's quantity; 404 when the product is not in the cart. */
  async change(userId: number, productId: number, quantity: number) {
    if (!(await this.store.get(userId)).has(productId)) throw errors.notFound('item');
    await this.store.set(userId, productId, this.checked(quantity));
    return this.view(userId);
  }

  async remove(userId: number, productId: number): Promise<void> {
    if (!(await this.store.remove(userId, productId))) throw errors.notFound('item');
  }

  private checked(quantity: number): number {
    if (quantity > MAX_LINE_QUANTITY) throw errors.validation({ quantity: [`must be at most ${MAX_LINE_QUANTITY}`] });
    return quantity;
  }

  private async requireProduct(productId: number): Promise<void> {
    if (!(await this.catalog.product(productId))) throw errors.notFound('product');
  }
}
