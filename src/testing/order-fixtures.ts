import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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
