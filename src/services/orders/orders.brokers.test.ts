import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { registerUser, type TestUser } from '../../testing/fixtures.js';
import { createProduct, registerAdmin } from '../../testing/catalog-fixtures.js';
import { addToCart, checkout, eventually, settled } from '../../testing/order-fixtures.js';
import { busTargets, unique } from '../../platform/bus/testing/targets.js';
import { allServices } from '../../testing/all-services.js';
import { BusNames, dropBusNames } from '../../testing/broker-cleanup.js';
import { dropRedisKeys } from '../../testing/redis-keys.js';
import { ORDER_CONFIRMED, ORDER_PLACED, type OrderEvent } from '../../contracts/orders.js';
import { startPaymentProvider, type PaymentProvider } from '../../tools/payment-provider/provider.js';

/**
 * The cart and the saga with each real broker as BUS_URL (the full contract
 * runs on PGlite and Postgres with the in-process bus in
 * routes/orders.routes.test.ts): what changes with a broker is how the saga's
 * jobs and the order events travel, so each broker runs a cart, the happy
 * path (events out), and both compensations (out of stock; declined payment).
 * Postgres, and a fresh BUS_NAMESPACE per run so runs sharing the broker never
 * take each other's jobs. On redis:// the cart lives in Redis too.
 */
const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
for (const broker of (await busTargets()).filter((t) => t.name !== 'memory')) {
  const skip = postgres.options.skip ? postgres.options : broker.options;
  describe(`orders over ${broker.name} [postgres]`, skip, () => {
    let sys: TestSystem;
    let provider: PaymentProvider;
    let admin: TestUser;
    let alice: TestUser;
    const namespace = unique('orders16');
    const names = new BusNames(namespace);
    const events: OrderEvent[] = [];
    before(async () => {
      provider = await startPaymentProvider({ latencyMs: 2, declineRate: 0, errorRate: 0, timeoutRate: 0, timeoutMs: 0 });
      sys = await startTestSystem(postgres, {
        BUS_URL: broker.url!,
        BUS_NAMESPACE: namespace,
        PAYMENT_URL: provider.url,
        ...(broker.name === 'redis' ? { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: namespace } : {}),
      }, names.recording(allServices));
      admin = await registerAdmin(sys.api, sys.db);
      alice = await registerUser(sys.api);
      for (const topic of [ORDER_PLACED, ORDER_CONFIRMED]) await sys.bus.subscribe<OrderEvent>(topic, `test-${topic}`, async ({ payload }) => void events.push(payload));
    });
    after(async () => {
      await sys?.close();
      await provider?.close();
      // The namespace is new each run: its queues and consumers would outlive the run on the shared broker.
      await dropBusNames(broker.url!, names);
      // On Redis the system's cache, bus and carts all live under the namespace as REDIS_PREFIX.
      if (broker.name === 'redis') await dropRedisKeys('redis://127.0.0.1:6379', `${namespace}:*`);
    });

    it('a cart: add, change, remove', async () => {
      const p = await createProduct(sys.api, admin, { price: 250, stock: 10 });
      await addToCart(sys.api, alice, p.id, 2);
      const put = await sys.api.put(`/api/cart/items/${p.id}`, { item: { quantity: 5 } }, { token: alice.token });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal(put.body.cart.total, 1250);
      assert.equal((await sys.api.delete(`/api/cart/items/${p.id}`, { token: alice.token })).status, 204);
      assert.deepEqual((await sys.api.get('/api/cart', { token: alice.token })).body.cart, { items: [], total: 0 });
    });

    it('checkout 202; the saga confirms it through the broker (reserved, paid, confirmed), stock taken, one charge, events out', async () => {
      const p = await createProduct(sys.api, admin, { price: 1000, stock: 4 });
      await addToCart(sys.api, alice, p.id, 3);
      const res = await checkout(sys.api, alice);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const done = await settled(sys.api, alice, res.body.order.id);
      assert.deepEqual(done.history.map((t) => t.to), ['pending', 'reserved', 'paid', 'confirmed']);
      assert.equal((await sys.api.get(`/api/products/${p.id}`)).body.product.stock, 1);
      assert.equal(provider.charges().filter((c) => c.key === done.id && c.status === 'succeeded').length, 1);
      await eventually('order events', async () => events.some((e) => e.orderId === done.id && e.status === 'confirmed'), 15_000);
      assert.deepEqual(events.filter((e) => e.orderId === done.id).map((e) => e.status).sort(), ['confirmed', 'pending']);
    });

    it('compensation: out of stock cancels with nothing reserved; a declined payment releases the stock', async () => {
      const scarce = await createProduct(sys.api, admin, { stock: 1 });
      await addToCart(sys.api, alice, scarce.id, 2);
      const short = await settled(sys.api, alice, (await checkout(sys.api, alice)).body.order.id);
      assert.equal(short.status, 'cancelled');
      assert.equal(short.history.at(-1)!.reason, 'out of stock');
      const p = await createProduct(sys.api, admin, { stock: 3 });
      await addToCart(sys.api, alice, p.id, 2);
      provider.settings.declineRate = 1;
      try {
        const declined = await settled(sys.api, alice, (await checkout(sys.api, alice)).body.order.id);
        assert.equal(declined.status, 'cancelled');
        assert.deepEqual(declined.history.map((t) => t.to), ['pending', 'reserved', 'cancelled']);
        assert.equal(declined.history.at(-1)!.reason, 'payment declined');
      } finally {
        provider.settings.declineRate = 0;
      }
      for (const id of [scarce.id, p.id]) {
        const product = (await sys.api.get(`/api/products/${id}`)).body.product;
        assert.equal(product.stock, id === p.id ? 3 : 1, 'released');
      }
    });
  });
}
