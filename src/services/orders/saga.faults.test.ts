// @isolated: starts, stops and restarts a private redis-server, and SIGKILLs a child system process.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../testing/db-targets.js';
import { spawnCli, type NodeProcess } from '../../testing/cli-process.js';
import { startOwnRedis, ownRedisOptions, type OwnRedis } from '../../testing/redis-server.js';
import { startTestSystem } from '../../testing/test-system.js';
import { createApiClient, type ApiClient } from '../../testing/api-client.js';
import { registerUser, type TestUser } from '../../testing/fixtures.js';
import { createProduct, registerAdmin } from '../../testing/catalog-fixtures.js';
import { addToCart, checkout, countOrderEffects, eventually, settled } from '../../testing/order-fixtures.js';
import { openDatabase } from '../../platform/db/open-database.js';
import type { Database } from '../../platform/db/database.js';
import { startPaymentProvider, type PaymentProvider } from '../../tools/payment-provider/provider.js';
import { sql } from 'kysely';

/**
 * The saga's process and its broker die mid-stream. Both drills use Postgres
 * and a private redis-server as the bus (never the shared one), a provider
 * slow enough (300 ms a call) that the fault lands with orders in every state,
 * 30 buyers of one unit each for 20 units; at the end they count orders,
 * charges, reservations and stock: exactly 20 confirmed and 10 cancelled, one
 * live charge per confirmed order, 20 units committed, nothing held, stock 0.
 */
const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
const BUYERS = 30;
const UNITS = 20;
const skip = postgres.options.skip ? postgres.options : ownRedisOptions();

type Any = Record<string, never>;
const unsettled = async (db: Database) =>
  Number((await sql<{ n: string }>`select count(*) as n from orders.orders where status not in ('confirmed', 'cancelled', 'needs_attention')`.execute(db.as<Any>())).rows[0]!.n);
const confirmed = async (db: Database) =>
  Number((await sql<{ n: string }>`select count(*) as n from orders.orders where status = 'confirmed'`.execute(db.as<Any>())).rows[0]!.n);

async function assertNothingLostOrDoubled(db: Database, provider: PaymentProvider, productId: number) {
  const c = await countOrderEffects(db, provider.charges(), productId);
  assert.deepEqual(c.orders, { confirmed: UNITS, cancelled: BUYERS - UNITS }, JSON.stringify(c));
  assert.equal(c.charged, UNITS, 'one live charge per confirmed order');
  assert.equal(c.chargeKeys, c.distinctChargeKeys);
  assert.equal(c.reserved['committed'], UNITS, JSON.stringify(c.reserved));
  assert.equal(c.reserved['held'] ?? 0, 0, 'nothing left held');
  assert.equal(c.stock, 0);
}

describe('orders saga under process and broker faults [postgres, private redis bus]', skip, () => {
  let redis: OwnRedis;
  let provider: PaymentProvider;
  before(async () => {
    redis = await startOwnRedis();
    provider = await startPaymentProvider({ latencyMs: 300, declineRate: 0, errorRate: 0, timeoutRate: 0, timeoutMs: 0 });
  });
  after(async () => {
    await provider?.close();
    await redis?.stop();
  });

  /** Buyers check out at once through `api`; every answer is 202. */
  const rush = async (api: ApiClient, buyers: TestUser[], productId: number) => {
    await Promise.all(buyers.map((u) => addToCart(api, u, productId, 1)));
    const answers = await Promise.all(buyers.map((u) => checkout(api, u)));
    for (const a of answers) assert.equal(a.status, 202, JSON.stringify(a.body));
    return answers.map((a) => a.body.order.id as string);
  };

  it('the worker process SIGKILLed mid-saga and started again: every order settles, nothing lost, doubled or left reserved', { timeout: 240_000 }, async (t) => {
    const dbUrl = (await postgres.create())!;
    const db = await openDatabase({ url: dbUrl, dataDir: 'memory://', poolMax: 4 });
    const env = {
      DATABASE_URL: dbUrl, BUS_URL: `${redis.url}?visibility_ms=1500`, PAYMENT_URL: provider.url, PAYMENT_TIMEOUT_MS: '3000',
      DATA_DIR: 'memory://', LOG_LEVEL: 'warn', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', RATE_LIMIT_ENABLED: 'false',
    };
    const children: NodeProcess[] = [];
    const start = async () => {
      const child = await spawnCli({ env });
      children.push(child);
      await child.waitReady('/readyz', 90_000);
      return child;
    };
    try {
      const first = await start();
      const api = createApiClient(first.url);
      const admin = await registerAdmin(api, db);
      const buyers = await Promise.all(Array.from({ length: BUYERS }, () => registerUser(api)));
      const p = await createProduct(api, admin, { stock: UNITS, price: 900 });
      await rush(api, buyers, p.id);
      await eventually('some orders confirmed', async () => (await confirmed(db)) >= 3, 60_000);
      const left = await unsettled(db);
      first.child.kill('SIGKILL');
      await first.exited;
      t.diagnostic(`SIGKILLed the system with ${left} of ${BUYERS} orders mid-saga`);
      assert.ok(left > 0, 'the kill landed after every order had settled: nothing was mid-saga');
      const second = await start();
      const api2 = createApiClient(second.url);
      await eventually('every order settled', async () => (await unsettled(db)) === 0, 120_000);
      await assertNothingLostOrDoubled(db, provider, p.id);
      assert.equal((await api2.get(`/api/products/${p.id}`)).body.product.stock, 0);
    } finally {
      for (const c of children) if (!c.hasExited()) await c.stop('SIGKILL');
      await db.close();
      await postgres.drop(dbUrl);
    }
  });

  it('the broker restarted (without its data) mid-stream: every order settles, nothing lost, doubled or left reserved', { timeout: 240_000 }, async (t) => {
    const sys = await startTestSystem(postgres, { BUS_URL: `${redis.url}?visibility_ms=1500`, PAYMENT_URL: provider.url, PAYMENT_TIMEOUT_MS: 3000 });
    try {
      const admin = await registerAdmin(sys.api, sys.db);
      const buyers = await Promise.all(Array.from({ length: BUYERS }, () => registerUser(sys.api)));
      const p = await createProduct(sys.api, admin, { stock: UNITS, price: 900 });
      const ids = await rush(sys.api, buyers, p.id);
      await eventually('some orders confirmed', async () => (await confirmed(sys.db)) >= 3, 60_000);
      const left = await unsettled(sys.db);
      await redis.stop();
      await new Promise((r) => setTimeout(r, 1000));
      await redis.start();
      t.diagnostic(`restarted redis (empty) with ${left} of ${BUYERS} orders mid-saga`);
      assert.ok(left > 0, 'the restart landed after every order had settled');
      await Promise.all(ids.map((id, i) => settled(sys.api, buyers[i]!, id, 120_000)));
      await assertNothingLostOrDoubled(sys.db, provider, p.id);
    } finally {
      await sys.close();
    }
  });
});
