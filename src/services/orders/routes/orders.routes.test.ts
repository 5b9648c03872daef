import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { registerUser, type TestUser } from '../../../testing/fixtures.js';
import { assertCode, createProduct, registerAdmin } from '../../../testing/catalog-fixtures.js';
import { addToCart, checkout, settled } from '../../../testing/order-fixtures.js';
import { ORDER_CONFIRMED, ORDER_PLACED, type OrderEvent } from '../../../contracts/orders.js';

type Any = Record<string, never>;

for (const target of await dbTargets()) {
  describe(`orders: cart and checkout API [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    let admin: TestUser;
    let alice: TestUser;
    let bob: TestUser;
    const events: OrderEvent[] = [];
    before(async () => {
      sys = await startTestSystem(target, { IDEMPOTENCY_WAIT_MS: 1500 });
      admin = await registerAdmin(sys.api, sys.db);
      [alice, bob] = await Promise.all([registerUser(sys.api), registerUser(sys.api)]);
      for (const topic of [ORDER_PLACED, ORDER_CONFIRMED]) await sys.bus.subscribe<OrderEvent>(topic, `test-${topic}`, async ({ payload }) => void events.push(payload));
    });
    after(async () => {
      await sys?.close();
    });

    it('a cart: add (quantities add up), change, remove; prices and names are the catalog’s', async () => {
      const p = await createProduct(sys.api, admin, { price: 250, stock: 10 });
      await addToCart(sys.api, alice, p.id, 2);
      const again = await sys.api.post('/api/cart/items', { item: { productId: p.id, quantity: 1 } }, { token: alice.token });
      assert.equal(again.status, 201);
      assert.deepEqual(again.body.cart.items, [{ productId: p.id, quantity: 3, name: p.name, price: 250, currency: 'EUR' }]);
      assert.equal(again.body.cart.total, 750);
      const put = await sys.api.put(`/api/cart/items/${p.id}`, { item: { quantity: 5 } }, { token: alice.token });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal(put.body.cart.items[0].quantity, 5);
      await sys.api.put(`/api/products/${p.id}`, { product: { price: 300 } }, { token: admin.token });
      assert.equal((await sys.api.get('/api/cart', { token: alice.token })).body.cart.total, 1500, 'the price is re-read');
      assert.equal((await sys.api.delete(`/api/cart/items/${p.id}`, { token: alice.token })).status, 204);
      assert.deepEqual((await sys.api.get('/api/cart', { token: alice.token })).body.cart, { items: [], total: 0 });
    });

    it('carts are per user: bob neither sees nor changes alice’s', async () => {
      const p = await createProduct(sys.api, admin);
      await addToCart(sys.api, alice, p.id, 1);
      assert.deepEqual((await sys.api.get('/api/cart', { token: bob.token })).body.cart.items, []);
      assertCode(await sys.api.put(`/api/cart/items/${p.id}`, { item: { quantity: 9 } }, { token: bob.token }), 404, 'SS_NOT_FOUND');
      assertCode(await sys.api.delete(`/api/cart/items/${p.id}`, { token: bob.token }), 404, 'SS_NOT_FOUND');
      assert.equal((await sys.api.get('/api/cart', { token: alice.token })).body.cart.items[0].quantity, 1);
      await sys.api.delete(`/api/cart/items/${p.id}`, { token: alice.token });
    });

    it('bad cart input: anonymous 401, forged token 401, unknown product 404, wrong types and malformed JSON 4xx, nothing written', async () => {
      const p = await createProduct(sys.api, admin);
      assertCode(await sys.api.get('/api/cart'), 401, 'SS_TOKEN_MISSING');
      assertCode(await sys.api.post('/api/cart/items', { item: { productId: p.id, quantity: 1 } }, { token: `${alice.token}x` }), 401, 'SS_TOKEN_INVALID');
      assertCode(await sys.api.post('/api/cart/items', { item: { productId: 987654321, quantity: 1 } }, { token: alice.token }), 404, 'SS_NOT_FOUND');
      for (const item of [{ productId: p.id, quantity: 0 }, { productId: p.id, quantity: 101 }, { productId: String(p.id), quantity: 1 }, { productId: p.id, quantity: 1.5 }, { productId: p.id }]) {
        assertCode(await sys.api.post('/api/cart/items', { item }, { token: alice.token }), 422, 'SS_VALIDATION');
      }
      assertCode(await sys.api.post('/api/cart/items', undefined, { token: alice.token, rawBody: '{"item":' }), 400, 'SS_MALFORMED_BODY');
      assertCode(await sys.api.put('/api/cart/items/abc', { item: { quantity: 1 } }, { token: alice.token }), 422, 'SS_VALIDATION');
      assert.deepEqual((await sys.api.get('/api/cart', { token: alice.token })).body.cart.items, []);
    });

    it('checkout answers 202 with Location; the saga confirms it (reserved, paid, confirmed in the history); the cart is emptied; events go out', async () => {
      const p = await createProduct(sys.api, admin, { price: 1000, stock: 4 });
      await addToCart(sys.api, alice, p.id, 3);
      const res = await checkout(sys.api, alice, randomUUID(), { order: { note: 'leave at the door' } });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const { order } = res.body;
      assert.equal(res.headers.get('location'), `/api/orders/${order.id}`);
      assert.equal(order.status, 'pending');
      assert.equal(order.total, 3000);
      assert.equal(order.note, 'leave at the door');
      assert.deepEqual((await sys.api.get('/api/cart', { token: alice.token })).body.cart.items, []);
      const done = await settled(sys.api, alice, order.id);
      assert.equal(done.status, 'confirmed');
      assert.deepEqual(done.history.map((t) => t.to), ['pending', 'reserved', 'paid', 'confirmed']);
      assert.equal((await sys.api.get(`/api/products/${p.id}`)).body.product.stock, 1);
      const list = await sys.api.get('/api/orders', { token: alice.token });
      assert.ok(list.body.orders.some((o: { id: string }) => o.id === order.id));
      const deadline = Date.now() + 10_000;
      while (!events.some((e) => e.orderId === order.id && e.status === 'confirmed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(events.filter((e) => e.orderId === order.id).map((e) => e.status).sort(), ['confirmed', 'pending']);
    });

    it('out of stock: the order is cancelled and nothing stays reserved', async () => {
      const p = await createProduct(sys.api, admin, { stock: 1 });
      await addToCart(sys.api, bob, p.id, 2);
      const res = await checkout(sys.api, bob);
      const done = await settled(sys.api, bob, res.body.order.id);
      assert.equal(done.status, 'cancelled');
      assert.equal(done.history.at(-1)!.reason, 'out of stock');
      assert.equal((await sys.api.get(`/api/products/${p.id}`)).body.product.stock, 1);
    });

    it('orders are private: another user’s order is 404 and absent from their list; bad ids and empty carts are 4xx', async () => {
      const p = await createProduct(sys.api, admin);
      await addToCart(sys.api, alice, p.id, 1);
      const { order } = (await checkout(sys.api, alice)).body;
      assertCode(await sys.api.get(`/api/orders/${order.id}`, { token: bob.token }), 404, 'SS_NOT_FOUND');
      assert.ok(!(await sys.api.get('/api/orders', { token: bob.token })).body.orders.some((o: { id: string }) => o.id === order.id));
      assertCode(await sys.api.get(`/api/orders/${randomUUID()}`, { token: alice.token }), 404, 'SS_NOT_FOUND');
      assertCode(await sys.api.get('/api/orders/not-a-uuid', { token: alice.token }), 404, 'SS_NOT_FOUND');
      assertCode(await sys.api.get(`/api/orders/${order.id}`), 401, 'SS_TOKEN_MISSING');
      assertCode(await sys.api.get('/api/orders?cursor=zzz', { token: alice.token }), 422, 'SS_VALIDATION');
      assertCode(await checkout(sys.api, bob), 422, 'SS_EMPTY_CART');
      assertCode(await sys.api.post('/api/orders', { order: {} }, { token: bob.token }), 400, 'SS_IDEMPOTENCY_KEY_MISSING');
      assertCode(await checkout(sys.api, bob, 'k'.repeat(256)), 400, 'SS_IDEMPOTENCY_KEY_MISSING');
      assertCode(await checkout(sys.api, bob, randomUUID(), { order: { total: 1 } }), 422, 'SS_VALIDATION');
      await settled(sys.api, alice, order.id);
    });

    it('one key sent 20 times at once: one order, one charge, 20 identical answers; the key with another body is 422', async () => {
      const p = await createProduct(sys.api, admin, { stock: 50 });
      await addToCart(sys.api, bob, p.id, 2);
      const db = sys.db.as<Any>();
      const count = async () => Number((await sql<{ n: string }>`select count(*) as n from orders.orders o join orders.order_lines l on l.order_id = o.id where l.product_id = ${p.id}`.execute(db)).rows[0]!.n);
      const key = randomUUID();
      const answers = await Promise.all(Array.from({ length: 20 }, () => checkout(sys.api, bob, key)));
      for (const a of answers) {
        assert.equal(a.status, 202, JSON.stringify(a.body));
        assert.deepEqual(a.body, answers[0]!.body);
        assert.equal(a.headers.get('location'), answers[0]!.headers.get('location'));
      }
      assert.equal(await count(), 1);
      await settled(sys.api, bob, answers[0]!.body.order.id);
      assert.equal((await sys.api.get(`/api/products/${p.id}`)).body.product.stock, 48, 'stock taken once');
      assertCode(await checkout(sys.api, bob, key, { order: { note: 'other' } }), 422, 'SS_IDEMPOTENCY_KEY_REUSED');
      const replay = await checkout(sys.api, bob, key);
      assert.equal(replay.status, 202);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(replay.body, answers[0]!.body);
      // Another user's request with the same key is theirs, not a replay of bob's.
      assertCode(await checkout(sys.api, alice, key), 422, 'SS_EMPTY_CART');
      assert.equal(await count(), 1);
    });

    it('a retry while the first request with the key is still in flight gets 409 after the wait', async () => {
      const key = randomUUID();
      const first = await checkout(sys.api, alice, key);
      assertCode(first, 422, 'SS_EMPTY_CART');
      // Make the key look in flight (a first request still running) and retry with the same body.
      await sql`update orders.idempotency_keys set state = 'in_flight' where key = ${key}`.execute(sys.db.as<Any>());
      assertCode(await checkout(sys.api, alice, key), 409, 'SS_IDEMPOTENCY_KEY_IN_FLIGHT');
    });
  });
}
