import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { registerUser, type TestUser } from '../../testing/fixtures.js';
import { createProduct, registerAdmin } from '../../testing/catalog-fixtures.js';
import { addToCart, checkout, eventually, settled } from '../../testing/order-fixtures.js';
import { startPaymentProvider, type PaymentProvider, type SentWebhook } from '../../tools/payment-provider/provider.js';
import { newSecret, signedHeaders } from '../../platform/webhooks/standard-webhooks.js';

type Any = Record<string, never>;
const SECRET = newSecret();
const PATH = '/api/orders/webhooks/payments';
const CALM = { latencyMs: 5, declineRate: 0, errorRate: 0, timeoutRate: 0, timeoutMs: 0 };

/**
 * The payment provider's webhooks (Standard Webhooks, issue 16): the realistic
 * case is a charge the provider made whose answer was lost (a timeout); the
 * webhook settles it instead of a retry that cannot get through or a refund.
 * The provider here always times out (PAYMENT_TIMEOUT_MS 200 against 1 s), so
 * only the webhook can move an order past `reserved`.
 */
for (const target of await dbTargets()) {
  describe(`orders: the payment provider's webhooks [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    let provider: PaymentProvider;
    let admin: TestUser;
    let buyer: TestUser;
    before(async () => {
      provider = await startPaymentProvider({ ...CALM, webhookSecret: SECRET });
      sys = await startTestSystem(target, { PAYMENT_URL: provider.url, PAYMENT_WEBHOOK_SECRET: SECRET, PAYMENT_TIMEOUT_MS: 200, ORDERS_SAGA_ATTEMPTS: 30 });
      admin = await registerAdmin(sys.api, sys.db);
      buyer = await registerUser(sys.api);
    });
    afterEach(() => Object.assign(provider.settings, CALM, { webhookUrl: undefined }));
    after(async () => {
      await sys?.close();
      await provider?.close();
    });

    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${sys.url}${PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const deliver = (hook: SentWebhook) => post(provider.sign(hook.id, hook.body), hook.body);
    const status = async (id: string) => (await sys.api.get(`/api/orders/${id}`, { token: buyer.token })).body.order.status as string;
    const chargesOf = (id: string) => provider.charges().filter((c) => c.key === id);
    const hookOf = (id: string, type: string) => provider.webhooks().find((h) => h.type === type && h.body.includes(`"key":"${id}"`));

    /** An order whose charge the provider made but whose answer never arrives; its webhook recorded, not sent. */
    async function stuckOrder(stock = 5) {
      Object.assign(provider.settings, { timeoutRate: 1, timeoutMs: 1000, webhookUrl: undefined });
      const p = await createProduct(sys.api, admin, { price: 700, stock });
      await addToCart(sys.api, buyer, p.id, 1);
      const placed = await checkout(sys.api, buyer);
      assert.equal(placed.status, 202, JSON.stringify(placed.body));
      const id = placed.body.order.id as string;
      await eventually('the charge made and its webhook recorded', async () => hookOf(id, 'charge.succeeded') !== undefined && (await status(id)) === 'reserved');
      return { id, productId: p.id, hook: hookOf(id, 'charge.succeeded')! };
    }

    it('a charge whose answer timed out is settled by the provider\'s webhook: confirmed once, one charge, no refund', async () => {
      const p = await createProduct(sys.api, admin, { price: 700, stock: 3 });
      Object.assign(provider.settings, { timeoutRate: 1, timeoutMs: 1000, webhookUrl: `${sys.url}${PATH}` });
      await addToCart(sys.api, buyer, p.id, 2);
      const placed = await checkout(sys.api, buyer);
      const order = await settled(sys.api, buyer, placed.body.order.id);
      assert.equal(order.status, 'confirmed', JSON.stringify(order.history));
      assert.deepEqual(order.history.map((t) => t.to), ['pending', 'reserved', 'paid', 'confirmed']);
      assert.match(order.history[2]!.reason ?? '', /webhook/, 'paid by the webhook: no charge call ever answered');
      const charges = chargesOf(order.id);
      assert.equal(charges.length, 1);
      assert.equal(charges[0]!.amount, 1400);
      assert.equal(charges[0]!.refunded, false);
      assert.equal(hookOf(order.id, 'charge.succeeded')!.delivered, true);
      assert.equal((await sys.api.get(`/api/products/${p.id}`)).body.product.stock, 1, 'the two units sold, once');
    });

    it('forged, foreign, stale, re-bodied or unsigned webhooks are refused 401 SS_WEBHOOK_UNVERIFIED and change nothing', async () => {
      const { id, hook } = await stuckOrder();
      const now = Math.floor(Date.now() / 1000);
      const other = hook.body.replace('"succeeded"', '"declined"');
      for (const [what, headers, body, field] of [
        ['unsigned', {}, hook.body, 'signature'],
        ['forged signature', { ...provider.sign(hook.id, hook.body), 'webhook-signature': `v1,${Buffer.alloc(32, 7).toString('base64')}` }, hook.body, 'signature'],
        ['signed with another secret', signedHeaders([newSecret()], hook.id, now, hook.body), hook.body, 'signature'],
        ['signed for another body', provider.sign(hook.id, hook.body), other, 'signature'],
        ['signed for another event id', { ...provider.sign(hook.id, hook.body), 'webhook-id': `${hook.id}x` }, hook.body, 'signature'],
        ['timestamp 10 minutes old', signedHeaders([SECRET], hook.id, now - 600, hook.body), hook.body, 'timestamp'],
        ['timestamp 10 minutes ahead', signedHeaders([SECRET], hook.id, now + 600, hook.body), hook.body, 'timestamp'],
      ] as const) {
        const res = await post(headers, body);
        assert.equal(res.status, 401, what);
        assert.equal(res.headers.get('x-error-code'), 'SS_WEBHOOK_UNVERIFIED', what);
        assert.deepEqual(Object.keys(((await res.json()) as { errors: Record<string, string[]> }).errors), [field], what);
      }
      assert.equal(await status(id), 'reserved', 'no refused webhook moved the order');
      const inbox = await sql<{ n: string }>`select count(*) as n from platform.inbox where consumer = 'orders.payment-webhooks' and event_id like ${`${hook.id}%`}`.execute(sys.db.as<Any>());
      assert.equal(Number(inbox.rows[0]!.n), 0, 'nothing recorded as received');
      // The control: the genuine delivery of that very event is accepted and settles the order.
      assert.equal((await deliver(hook)).status, 200);
      assert.equal((await settled(sys.api, buyer, id)).status, 'confirmed');
    });

    it('a replayed event is applied once: 10 concurrent deliveries and a late one, one of them new, one paid transition', async () => {
      const { id, hook } = await stuckOrder();
      const answers = await Promise.all(Array.from({ length: 10 }, async () => {
        const res = await deliver(hook);
        assert.equal(res.status, 200);
        return (await res.json()) as { received: boolean; duplicate: boolean };
      }));
      assert.equal(answers.filter((a) => !a.duplicate).length, 1, JSON.stringify(answers));
      const order = await settled(sys.api, buyer, id);
      assert.equal(order.status, 'confirmed');
      const late = await deliver(hook);
      assert.deepEqual(await late.json(), { received: true, duplicate: true });
      const again = (await sys.api.get(`/api/orders/${id}`, { token: buyer.token })).body.order;
      assert.deepEqual(again.history.map((t: { to: string }) => t.to), ['pending', 'reserved', 'paid', 'confirmed']);
      assert.equal(chargesOf(id).length, 1);
    });

    it('a decline whose answer was lost: the charge.failed webhook cancels the order and gives the stock back, nothing charged', async () => {
      Object.assign(provider.settings, { declineRate: 1, timeoutRate: 1, timeoutMs: 1000, webhookUrl: `${sys.url}${PATH}` });
      const p = await createProduct(sys.api, admin, { stock: 2 });
      await addToCart(sys.api, buyer, p.id, 2);
      const placed = await checkout(sys.api, buyer);
      const order = await settled(sys.api, buyer, placed.body.order.id);
      assert.equal(order.status, 'cancelled', JSON.stringify(order.history));
      assert.equal(order.history.at(-1)!.reason, 'payment declined');
      assert.equal(hookOf(order.id, 'charge.failed')!.delivered, true);
      assert.equal(chargesOf(order.id).filter((c) => c.status === 'succeeded').length, 0);
      assert.equal((await sys.api.get(`/api/products/${p.id}`)).body.product.stock, 2, 'the reserved units are back');
    });
  });
}
