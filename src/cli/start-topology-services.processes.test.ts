// @isolated: starts real processes (the gateway and one process per service) against real Postgres and a private Redis.
/**
 * `scalestack start --topology services` brings every registered service up
 * in a process of its own: each caller builds with its callees' remote
 * clients (orders with the catalog's; before it had one, orders' process
 * failed to start and the whole topology with it).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_CLI_ENTRY, rawRequest, spawnScript, type NodeProcess } from '../testing/cli-process.js';
import { buildServer } from '../../tools/build-server.mjs';
import { dbTargets } from '../testing/db-targets.js';
import { ownRedisOptions, startOwnRedis, type OwnRedis } from '../testing/redis-server.js';
import { allServices } from '../services/registry.js';
import { createApiClient } from '../testing/api-client.js';
import { registerUser } from '../testing/fixtures.js';
import { createProduct, registerAdmin } from '../testing/catalog-fixtures.js';
import { addToCart, checkout, settled } from '../testing/order-fixtures.js';
import { openDatabase } from '../platform/db/open-database.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
const FAST_ARGON = { ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' };

describe('--topology services: every service in its own process', { ...postgres.options, ...(postgres.options.skip ? {} : ownRedisOptions()), timeout: 420_000 }, () => {
  let system: NodeProcess;
  let dbUrl: string | undefined;
  let dataDir: string;
  let redis: OwnRedis;
  let adminUrl: string;
  let adminToken: string;
  before(async () => {
    dbUrl = await postgres.create();
    dataDir = await mkdtemp(join(tmpdir(), 'scalestack-services-'));
    // A private Redis for the processes' cache and bus: no other suite consumes this system's events.
    redis = await startOwnRedis();
    // The compiled server, as `npm start` runs it: the supervisor forks its replicas from build/ too,
    // and over gRPC the catalog reads its .proto, which the build copies beside the code.
    await buildServer({ quiet: true });
    system = await spawnScript(BUILT_CLI_ENTRY, ['start', '--topology', 'services'], {
      // INTERNAL_TRANSPORT=grpc: orders reaches the catalog's reservations over gRPC (ADR 0038); everything else is as over HTTP.
      // DATABASE_CONNECTION_BUDGET: 21 for the six replicas and a rolling restart's seventh, 3 each (not DATABASE_POOL_MAX's 10).
      env: { ...FAST_ARGON, DATABASE_URL: dbUrl, DATA_DIR: dataDir, REDIS_URL: redis.url, BUS_URL: redis.url, LOG_LEVEL: 'warn', INTERNAL_TRANSPORT: 'grpc', RATE_LIMIT_ENABLED: 'false', DATABASE_CONNECTION_BUDGET: '21', REPLICA_GC: 'main-thread' },
    });
    // Generous: replicas start one service after another, each a cold process (minutes on a loaded 2-core box).
    await system.waitReady('/readyz', 300_000);
    // ADMIN_TOKEN unset: the supervisor generates one for the run and writes it here (the default a user gets).
    ({ adminUrl, adminToken } = JSON.parse(await readFile(join(dataDir, 'supervisor.json'), 'utf8')) as { adminUrl: string; adminToken: string });
  });
  after(async () => {
    await system?.stop('SIGTERM', 30_000);
    await redis?.stop();
    await postgres.drop(dbUrl);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('the gateway has a live upstream for every registered service', async () => {
    const res = await rawRequest(system.url, 'GET', '/gateway/upstreams', undefined, { authorization: `Bearer ${adminToken}` });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const services = (res.body as { services: Record<string, Array<{ url: string; available?: boolean }>> }).services;
    for (const { name } of allServices) assert.equal(services[name]?.length, 1, `${name} has one replica: ${JSON.stringify(services)}\n${system.output()}`);
    const urls = allServices.map(({ name }) => services[name]![0]!.url);
    assert.equal(new Set(urls).size, allServices.length, 'each service in a process of its own');
  });

  it("every replica's /metrics answers the supervisor's admin token (what the autoscaler scrapes with) and nobody else", async () => {
    const asAdmin = { authorization: `Bearer ${adminToken}` };
    const replicas = ((await (await fetch(new URL('/replicas', adminUrl), { headers: asAdmin })).json()) as { replicas: Array<{ url: string }> }).replicas;
    assert.equal(replicas.length, allServices.length);
    for (const { url } of replicas) {
      assert.equal((await fetch(new URL('/metrics', url), { headers: asAdmin })).status, 200, `${url} with the admin token`);
      assert.equal((await fetch(new URL('/metrics', url))).status, 401, `${url} without it`);
    }
  });

  it("REPLICA_GC=main-thread: every replica runs with --single-threaded-gc, the supervisor with V8's default", async () => {
    const asAdmin = { authorization: `Bearer ${adminToken}` };
    const replicas = ((await (await fetch(new URL('/replicas', adminUrl), { headers: asAdmin })).json()) as { replicas: Array<{ name: string; pid: number }> }).replicas;
    const flags = async (pid: number) => (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    for (const { name, pid } of replicas) assert.ok((await flags(pid)).includes('--single-threaded-gc'), `${name}: ${(await flags(pid)).join(' ')}`);
    assert.ok(!(await flags(system.child.pid!)).includes('--single-threaded-gc'));
  });

  it("each replica pools its share of DATABASE_CONNECTION_BUDGET, so the topology at its most stays within it", async () => {
    const asAdmin = { authorization: `Bearer ${adminToken}` };
    const replicas = ((await (await fetch(new URL('/replicas', adminUrl), { headers: asAdmin })).json()) as { replicas: Array<{ name: string; url: string }> }).replicas;
    const pools = await Promise.all(replicas.map(async ({ name, url }) => {
      const metrics = await (await fetch(new URL('/metrics', url), { headers: asAdmin })).text();
      return `${name}: ${/^db_pool_max_connections (\d+)$/m.exec(metrics)?.[1] ?? 'none'}`;
    }));
    assert.deepEqual(pools, replicas.map(({ name }) => `${name}: 3`));
  });

  it('INTERNAL_TRANSPORT=grpc: a checkout through the gateway confirms, its stock reserved and committed by orders over the catalog\'s gRPC server', async () => {
    const api = createApiClient(system.url);
    const db = await openDatabase({ url: dbUrl, dataDir: 'memory://', poolMax: 2 });
    try {
      await checkoutConfirms(api, db);
    } catch (err) {
      // The replicas' own words, for whoever reads the failure.
      throw new Error(`${(err as Error).message}\n--- system output ---\n${system.output().slice(-6000)}`);
    } finally {
      await db.close();
    }
    async function checkoutConfirms(api: ReturnType<typeof createApiClient>, db: Awaited<ReturnType<typeof openDatabase>>) {
      const admin = await registerAdmin(api, db);
      const buyer = await registerUser(api);
      const p = await createProduct(api, admin, { stock: 3 });
      await addToCart(api, buyer, p.id, 2);
      const placed = await checkout(api, buyer);
      assert.equal(placed.status, 202, JSON.stringify(placed.body));
      const order = await settled(api, buyer, placed.body.order.id, 60_000);
      assert.equal(order.status, 'confirmed', JSON.stringify(order.history));
      assert.equal((await api.get(`/api/products/${p.id}`)).body.product.stock, 1);
    }
    const res = await rawRequest(system.url, 'GET', '/gateway/upstreams', undefined, { authorization: `Bearer ${adminToken}` });
    const catalogUrl = (res.body as { services: Record<string, Array<{ url: string }>> }).services['catalog']![0]!.url;
    const metrics = await (await fetch(new URL('/metrics', catalogUrl), { headers: { authorization: `Bearer ${adminToken}` } })).text();
    for (const method of ['Reserve', 'Commit']) {
      const served = new RegExp(`internal_grpc_calls_total\\{service="scalestack.catalog.v1.Catalog",method="${method}",code="OK"\\} (\\d+)`).exec(metrics);
      assert.ok(served && Number(served[1]) >= 1, `the catalog served ${method} over gRPC:\n${metrics.split('\n').filter((l) => l.includes('grpc')).join('\n')}`);
    }
  });

  // Last: it kills the system. Before, the replicas of a supervisor that died (SIGKILL, or out of time
  // while stopping them one service after another) served on as orphans, holding their connections.
  it('SIGKILL the supervisor: every replica notices its channel close and stops by itself', async () => {
    const res = await rawRequest(system.url, 'GET', '/gateway/upstreams', undefined, { authorization: `Bearer ${adminToken}` });
    const services = (res.body as { services: Record<string, Array<{ url: string }>> }).services;
    const urls = Object.values(services).flat().map((u) => u.url);
    assert.equal(urls.length, allServices.length);
    const answers = async (url: string) => fetch(new URL('/healthz', url)).then(() => true, () => false);
    assert.deepEqual(await Promise.all(urls.map(answers)), urls.map(() => true), 'every replica serves before');
    await system.stop('SIGKILL');
    const deadline = Date.now() + 60_000;
    let serving = urls;
    while (serving.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      serving = (await Promise.all(serving.map(async (u) => ((await answers(u)) ? [u] : [])))).flat();
    }
    assert.deepEqual(serving, [], 'replicas still serving 60 s after their supervisor died');
  });
});
