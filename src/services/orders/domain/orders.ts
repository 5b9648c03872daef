import { randomUUID } from 'node:crypto';
import type { CatalogClient } from '../../../contracts/catalog.js';
import type { Outbox } from '../../../platform/bus/platform-bus.js';
import { errors } from '../../../platform/errors/catalog.js';
import type { CartStore } from '../data/cart/cart-store.js';
import type { LineRow, OrdersStore } from '../data/orders.store.js';
import { orderEvent } from './events.js';
import { OrderSaga } from './saga.js';
import { orderView } from './views.js';

/** Checkout and reading orders. The work after checkout is the saga's (saga.ts), in the background. */
export class OrdersDomain {
  constructor(
    private readonly store: OrdersStore,
    private readonly carts: CartStore,
    private readonly catalog: CatalogClient,
    private readonly outbox: Outbox,
  ) {}

  /**
   * The cart becomes a pending order with the catalog's prices now; the
   * order, its order.placed event and the saga's first job commit together.
   */
  async place(userId: number, note: string | null) {
    const cart = await this.carts.get(userId);
    if (cart.size === 0) throw errors.emptyCart();
    const lines: Omit<LineRow, 'order_id'>[] = [];
    let currency: string | undefined;
    for (const [productId, quantity] of cart) {
      const product = await this.catalog.product(productId);
      if (!product) throw errors.validation({ items: [`product ${productId} is no longer sold`] });
      if (currency && product.currency !== currency) throw errors.validation({ items: ['must share one currency'] });
      currency = product.currency;
      lines.push({ product_id: productId, quantity, price: product.price, name: product.name });
    }
    const id = randomUUID();
    const total = lines.reduce((sum, l) => sum + l.price * l.quantity, 0);
    await this.store.db.transaction().execute(async (trx) => {
      await this.store.insert(trx, { id, userId, total, currency: currency!, note }, lines);
      const order = (await this.store.get(id, trx))!;
      await this.outbox.add(trx, orderEvent(order));
      await OrderSaga.begin(trx, id);
    });
    this.outbox.wake();
    await this.carts.clear(userId);
    return this.get(userId, id);
  }

  /** The order with its history; another user's order does not exist (404, ids cannot be probed). */
  async get(userId: number, id: string) {
    const order = await this.store.get(id);
    if (!order || order.user_id !== userId) throw errors.notFound('order');
    return orderView(order, await this.store.lines(id), await this.store.history(id));
  }

  async list(userId: number, limit: number, cursor?: string) {
    let before: { at: string; id: string } | undefined;
    if (cursor) {
      const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
      if (!at || !id || Number.isNaN(Date.parse(at))) throw errors.validation({ cursor: ['is invalid'] });
      before = { at, id };
    }
    const rows = await this.store.ofUser(userId, limit, before);
    const orders = await Promise.all(rows.map(async (o) => orderView(o, await this.store.lines(o.id))));
    const last = rows.length === limit ? rows[rows.length - 1] : undefined;
    return { orders, nextCursor: last ? Buffer.from(`${last.created_at.toISOString()}|${last.id}`).toString('base64url') : null };
  }
}
