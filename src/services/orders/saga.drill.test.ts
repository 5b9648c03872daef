import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { registerUser, type TestUser } from '../../testing/fixtures.js';
import { createProduct, registerAdmin } from '../../testing/catalog-fixtures.js';
import { addToCart, checkout, countOrderEffects, eventually, settled } from '../../testing/order-fixtures.js';
import { startPaymentProvider, type PaymentProvider } from '../../tools/payment-provider/provider.js';

type Any = Record<string, never>;

/**
 * Fault drills of the order saga, each counting at the end what matters:
 * orders by status, charges at the provider, reservations by state and stock.
 */
for (const target of await dbTargets()) {
  describe(`orders saga drills [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    let provider: PaymentProvider;
    let admin: TestUser;
    let users: TestUser[];
    before(async () => {
      provider = await startPaymentProvider({ latencyMs: 2, declineRate: 0, errorRate: 0, timeoutRate: 0, timeoutMs: 2000 });
      sys = await startTestSystem(target, { PAYMENT_URL: provider.url, PAYMENT_TIMEOUT_MS: 1500, ORDERS_SAGA_ATTEMPTS: 5 });
      admin = await registerAdmin(sys.api, sys.db);
      users = [];
      for (let i = 0; i < 5; i++) users.push(...(await Promise.all(Array.from({ length: 20 }, () => registerUser(sys.api)))));
    });
    after(async () => {
      await sys?.close();
      await provider?.close();
    });

    const counts = (productId: number) => countOrderEffects(sys.db, provider.charges(), productId);

    /** Each of `n` users puts one unit in their cart and checks out, all at once; every order settles. */
    const rush = async (productId: number, n: number) => {
      const buyers = users.slice(0, n);
      await Promise.all(buyers.map((u) => addToCart(sys.api, u, productId, 1)));
      const answers = await Promise.all(buyers.map((u) => checkout(sys.api, u)));
      for (const a of answers) assert.equal(a.status, 202, JSON.stringify(a.body));
      await Promise.all(answers.map((a, i) => settled(sys.api, buyers[i]!, a.body.order.id, 60_000)));
    };

    it('100 concurrent checkouts for 20 units: exactly 20 confirmed, 80 cancelled, stock 0, nothing left held, 20 charges', async () => {
      const p = await createProduct(sys.api, admin, { stock: 20, price: 500 });
      await rush(p.id, 100);
      const c = await counts(p.id);
      const stuck = await sql<{ reason: string }>`select reason from orders.orders where status = 'needs_attention'`.execute(sys.db.as<Any>());
      assert.deepEqual(c.orders, { confirmed: 20, cancelled: 80 }, JSON.stringify(stuck.rows));
      assert.deepEqual(c.reserved, { committed: 20 });
      assert.equal(c.stock, 0);
      assert.equal(c.charged, 20);
    });

    it('provider at 30% failures (declines, 5xx before and after charging, 2 s timeouts): nothing lost, doubled or left reserved', async () => {
      // 30% in all, half of it declines: about 6 of the 40 orders are declined, and each decline must cancel its
      // order. Counted against the provider's declined charges, not as "some cancelled": 40 orders without a
      // decline are a 0.15% chance (0.85^40), which failed a CI run all the same (2026-12-06).
      Object.assign(provider.settings, { declineRate: 0.15, errorRate: 0.075, timeoutRate: 0.075 });
      const p = await createProduct(sys.api, admin, { stock: 1000, price: 700 });
      try {
        await rush(p.id, 40);
      } finally {
        Object.assign(provider.settings, { declineRate: 0, errorRate: 0, timeoutRate: 0 });
      }
      const c = await counts(p.id);
      const confirmed = c.orders['confirmed'] ?? 0;
      const cancelled = c.orders['cancelled'] ?? 0;
      assert.equal(confirmed + cancelled, 40, `every order settled: ${JSON.stringify(c.orders)}`);
      assert.equal(cancelled, c.declined, `an order is cancelled exactly when its charge was declined: ${JSON.stringify(c.orders)}`);
      assert.ok(confirmed > 0, `the rest confirm: ${JSON.stringify(c.orders)}`);
      assert.equal(c.charged, confirmed, 'one live charge per confirmed order');
      assert.equal(c.chargeKeys, c.distinctChargeKeys, 'never two charges for one order');
      assert.deepEqual(c.reserved, { committed: confirmed, released: cancelled });
      assert.equal(c.stock, 1000 - confirmed);
    });

    it('a provider that keeps failing: the step is dead-lettered after its attempts and the order needs attention', async () => {
      const p = await createProduct(sys.api, admin, { stock: 5 });
      const buyer = users[0]!;
      await addToCart(sys.api, buyer, p.id, 1);
      provider.settings.errorRate = 1;
      try {
        const { order } = (await checkout(sys.api, buyer)).body;
        const done = await settled(sys.api, buyer, order.id, 30_000);
        assert.equal(done.status, 'needs_attention');
        assert.match(done.history.at(-1)!.reason ?? '', /charge failed 5 times/);
        await eventually('the dead letter', async () =>
          Number((await sql<{ n: string }>`select count(*) as n from platform.dead_letters where message_id = ${`${order.id}:charge`}`.execute(sys.db.as<Any>())).rows[0]!.n) === 1);
      } finally {
        provider.settings.errorRate = 0;
      }
    });
  });
}
