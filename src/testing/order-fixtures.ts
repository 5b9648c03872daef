import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../platform/db/database.js';
import type { Charge } from '../tools/payment-provider/provider.js';
import type { ApiClient } from './api-client.js';
import type { TestUser } from './fixtures.js';

/** Polls until `condition` holds (bounded; the saga runs in the background). */
export async function eventually(what: string, condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function addToCart(api: ApiClient, user: TestUser, productId: number, quantity: number): Promise<void> {
  const res = await api.post('/api/cart/items', { item: { productId, quantity } }, { token: user.token });
  assert.equal(res.status, 201, JSON.stringify(res.body));
}

/** POST /api/orders with an Idempotency-Key (a fresh one unless given). */
export function checkout(api: ApiClient, user: TestUser, key: string = randomUUID(), body: unknown = { order: {} }) {
  return api.post('/api/orders', body, { token: user.token, headers: { 'idempotency-key': key } });
}

/** Waits for the order to reach a final status and returns it. */
export async function settled(api: ApiClient, user: TestUser, id: string, timeoutMs = 30_000) {
  let order: { id: string; status: string; history: { from: string | null; to: string; reason: string | null }[] } | undefined;
  await eventually(`order ${id} settled`, async () => {
    const res = await api.get(`/api/orders/${id}`, { token: user.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    order = res.body.order;
    return ['confirmed', 'cancelled', 'needs_attention'].includes(order!.status);
  }, timeoutMs);
  return order!;
}

/**
 * What a fault drill counts for one product at the end: orders by status,
 * units reserved by reservation state, stock, and the provider's charges for
 * those orders (live = succeeded and not refunded; a second charge for one
 * order would show as chargeKeys > distinctChargeKeys).
 */
export async function countOrderEffects(database: Database, charges: readonly Charge[], productId: number) {
  const db = database.as<Record<string, never>>();
  const orders = await sql<{ status: string; n: string }>`select o.status, count(*) as n from orders.orders o join orders.order_lines l on l.order_id = o.id
    where l.product_id = ${productId} group by o.status`.execute(db);
  const reservations = await sql<{ state: string; units: string }>`select state, sum(quantity) as units from catalog.reservations where product_id = ${productId} group by state`.execute(db);
  const stock = await sql<{ stock: number }>`select stock from catalog.products where id = ${productId}`.execute(db);
  const ids = new Set((await sql<{ id: string }>`select order_id as id from orders.order_lines where product_id = ${productId}`.execute(db)).rows.map((r) => r.id));
  const mine = charges.filter((c) => ids.has(c.key));
  return {
    orders: Object.fromEntries(orders.rows.map((r) => [r.status, Number(r.n)])) as Record<string, number>,
    reserved: Object.fromEntries(reservations.rows.map((r) => [r.state, Number(r.units)])) as Record<string, number>,
    stock: Number(stock.rows[0]!.stock),
    charged: mine.filter((c) => c.status === 'succeeded' && !c.refunded).length,
    declined: mine.filter((c) => c.status === 'declined').length,
    chargeKeys: mine.length,
    distinctChargeKeys: new Set(mine.map((c) => c.key)).size,
  };
}
