// @isolated: starts real processes (the gateway and one process per service) against real Postgres and a private Redis.
/**
 * `scalestack start --topology services` brings every registered service up
 * in a process of its own, and a caller reaches its callee over the signed
 * internal HTTP client: orders' cart and checkout saga call the catalog
 * (product, reserve, commit) in another process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_ENTRY, rawRequest, spawnScript, type NodeProcess } from '../testing/cli-process.js';
import { dbTargets } from '../testing/db-targets.js';
import { ownRedisOptions, startOwnRedis, type OwnRedis } from '../testing/redis-server.js';
import { createApiClient } from '../testing/api-client.js';
import { registerUser, type TestUser } from '../testing/fixtures.js';
import { createProduct } from '../testing/catalog-fixtures.js';
import { addToCart, checkout, settled } from '../testing/order-fixtures.js';
import { allServices } from '../services/registry.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
const ADMIN_TOKEN = 'topology-admin-token-'.padEnd(40, 'x');
const FAST_ARGON = { ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' };

describe('--topology services: every service in its own process', { ...postgres.options, ...(postgres.options.skip ? {} : ownRedisOptions()), timeout: 420_000 }, () => {
  let system: NodeProcess;
  let dbUrl: string | undefined;
  let dataDir: string;
  let redis: OwnRedis;
  before(async () => {
    dbUrl = await postgres.create();
    dataDir = await mkdtemp(join(tmpdir(), 'scalestack-services-'));
    // A private Redis for the processes' cache and bus: the saga's events stay in this system.
    redis = await startOwnRedis();
    system = await spawnScript(CLI_ENTRY, ['start', '--topology', 'services'], {
      env: { ...FAST_ARGON, DATABASE_URL: dbUrl, DATA_DIR: dataDir, REDIS_URL: redis.url, BUS_URL: redis.url, ADMIN_TOKEN, LOG_LEVEL: 'warn' },
    });
    // Generous: replicas start one service after another, each a cold tsx process (minutes on a loaded 2-core box).
    await system.waitReady('/readyz', 300_000);
  });
  after(async () => {
    await system?.stop('SIGTERM', 30_000);
    await redis?.stop();
    await postgres.drop(dbUrl);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('the gateway has a live upstream for every registered service', async () => {
    const res = await rawRequest(system.url, 'GET', '/gateway/upstreams', undefined, { authorization: `Bearer ${ADMIN_TOKEN}` });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const services = (res.body as { services: Record<string, Array<{ url: string; available?: boolean }>> }).services;
    for (const { name } of allServices) assert.equal(services[name]?.length, 1, `${name} has one replica: ${JSON.stringify(services)}\n${system.output()}`);
    const urls = allServices.map(({ name }) => services[name]![0]!.url);
    assert.equal(new Set(urls).size, allServices.length, 'each service in a process of its own');
  });

  it('orders calls the catalog in another process: the cart reads products, a checkout reserves and commits stock there', async () => {
    const api = createApiClient(system.url);
    const admin = await makeAdmin(api, dbUrl!);
    const product = await createProduct(api, admin, { stock: 3, price: 1500 });
    const buyer = await registerUser(api);

    const unknown = await api.post('/api/cart/items', { item: { productId: 999_999_999, quantity: 1 } }, { token: buyer.token });
    assert.equal(unknown.status, 404, `the catalog's "no such product", not a 5xx: ${JSON.stringify(unknown.body)}`);
    assert.deepEqual(unknown.body, { errors: { product: ['not found'] } });

    await addToCart(api, buyer, product.id, 2);
    const cart = await api.get('/api/cart', { token: buyer.token });
    assert.equal(cart.status, 200, JSON.stringify(cart.body));
    assert.equal(JSON.stringify(cart.body).includes(product.name), true, `the catalog's name in the cart: ${JSON.stringify(cart.body)}`);

    const placed = await checkout(api, buyer);
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    const order = await settled(api, buyer, (placed.body as { order: { id: string } }).order.id, 60_000);
    assert.equal(order.status, 'confirmed', JSON.stringify(order.history));
    const after = await api.get(`/api/products/${product.id}`);
    assert.equal((after.body as { product: { stock: number } }).product.stock, 1, 'two of three units sold in the catalog\'s process');
  });
});

/** A user made admin the operator's way (`scalestack users grant-admin`, its own process), signed in again for a token with the role. */
async function makeAdmin(api: ReturnType<typeof createApiClient>, databaseUrl: string): Promise<TestUser> {
  const user = await registerUser(api);
  const grant = await spawnScript(CLI_ENTRY, ['users', 'grant-admin', user.email], { env: { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' } });
  assert.equal((await grant.exited).code, 0, grant.output());
  const login = await api.post<{ user: { token: string } }>('/api/users/login', { user: { email: user.email, password: user.password } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  return { ...user, token: login.body.user.token };
}
