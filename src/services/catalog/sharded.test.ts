import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ADMIN_DATABASE_URL, dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { createProduct, registerAdmin } from '../../testing/catalog-fixtures.js';
import { generateCatalog } from '../../loadgen/seed/catalog-generator.js';
import { waitFor } from '../../platform/bus/testing/targets.js';
import { seedCatalog } from '../../cli/catalog-seed.js';
import { CATALOG, PRODUCT_CREATED, type CatalogClient, type ProductEvent } from '../../contracts/catalog.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;

/** Runs `statements` on the server's admin database, or on database `name`; the rows of the last. */
async function admin(statements: string[], name?: string) {
  const url = name ? Object.assign(new URL(ADMIN_DATABASE_URL), { pathname: `/${name}` }).toString() : ADMIN_DATABASE_URL;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let rows: Record<string, unknown>[] = [];
    for (const s of statements) rows = (await client.query(s)).rows;
    return rows;
  } finally {
    await client.end();
  }
}

describe('catalog on 3 shards answers like one database', postgres.options, () => {
  let urls: string[] = [];
  const names = Array.from({ length: 3 }, (_, i) => `catalog_${randomBytes(4).toString('hex')}_${i + 1}`);
  let single: TestSystem;
  let sharded: TestSystem;
  // product.created deliveries of the sharded system, per product id.
  const deliveries = new Map<number, number>();
  before(async () => {
    await admin(names.map((n) => `create database ${n}`));
    urls = names.map((n) => Object.assign(new URL(ADMIN_DATABASE_URL), { pathname: `/${n}` }).toString());
    single = await startTestSystem(postgres);
    // Retention every second: the shards' outboxes are pruned too (see the last test).
    sharded = await startTestSystem(postgres, { CATALOG_SHARDS: urls.join(','), BUS_RETENTION_EVERY_S: 1 });
    await sharded.bus.subscribe<ProductEvent>(PRODUCT_CREATED, 'test-sharded-created', async ({ payload }) => {
      deliveries.set(payload.productId, (deliveries.get(payload.productId) ?? 0) + 1);
    });
    const products = generateCatalog(90, 11);
    for (const sys of [single, sharded]) {
      const a = await registerAdmin(sys.api, sys.db);
      for (const p of products) await createProduct(sys.api, a, p);
    }
  });
  after(async () => {
    await single?.close();
    await sharded?.close();
    await admin(names.map((n) => `drop database if exists ${n} with (force)`));
  });

  it('the products are spread over the three databases', async () => {
    const counts = await Promise.all(names.map(async (n) => Number((await admin(['select count(*) from catalog.products'], n))[0]!.count)));
    assert.equal(counts.reduce((a, b) => a + b, 0), 90);
    assert.ok(counts.every((c) => c > 0), `per shard: ${counts.join(', ')}`);
  });

  it('each shard relays its own outbox: every product.created of the 90 arrives, once', async () => {
    const ids = (await Promise.all(names.map((n) => admin(['select id from catalog.products'], n)))).map((rows) => rows.map((r) => Number(r.id)));
    assert.ok(ids.every((onShard) => onShard.length > 0), 'a product written on every shard');
    await waitFor('a product.created for each product', () => ids.flat().every((id) => deliveries.has(id)));
    // Once every shard's outbox has marked its events sent, no relay sends them again.
    await waitFor('every shard outbox sent', async () =>
      (await Promise.all(names.map((n) => admin(['select count(*)::int as n from platform.outbox where sent_at is null'], n)))).every((rows) => rows[0]!.n === 0),
    );
    assert.deepEqual([...new Set(ids.flat().map((id) => deliveries.get(id)))], [1]);
  });

  it("retention prunes each shard's sent outbox rows, not only the process database's", async () => {
    const aged = await Promise.all(names.map((n) => admin([`update platform.outbox set sent_at = now() - interval '2 hours' where sent_at is not null returning seq`], n)));
    assert.ok(aged.every((rows) => rows.length > 0), 'every shard had sent rows to prune');
    await waitFor('old sent rows pruned on every shard', async () =>
      (await Promise.all(names.map((n) => admin(['select count(*)::int as n from platform.outbox where sent_at is not null'], n)))).every((rows) => rows[0]!.n === 0),
    );
  });

  for (const qs of ['q=headphones&limit=7', 'q=hedphones&limit=5', 'q=kettel', 'sort=price_asc&limit=9', 'sort=name&limit=11&inStock=true', 'category=audio&sort=price_desc']) {
    it(`GET /api/products?${qs}: the same pages, counts and facets`, async () => {
      const strip = (body: { products: { id: number; createdAt: string; updatedAt: string }[] }) => ({
        ...body,
        nextCursor: null,
        products: body.products.map(({ id: _id, createdAt: _c, updatedAt: _u, ...rest }) => rest),
      });
      let cursors: [string | null, string | null] = [null, null];
      do {
        const [a, b] = await Promise.all(
          [single, sharded].map((sys, i) => sys.api.get(`/api/products?${qs}${cursors[i] ? `&cursor=${cursors[i]}` : ''}`)),
        );
        assert.equal(a!.status, 200);
        assert.deepEqual(strip(b!.body), strip(a!.body));
        cursors = [a!.body.nextCursor, b!.body.nextCursor];
        assert.equal(cursors[0] === null, cursors[1] === null);
      } while (cursors[0]);
    });
  }

  it('200 concurrent reservations for 50 in stock: exactly 50 on the sharded catalog', async () => {
    const a = await registerAdmin(sharded.api, sharded.db);
    const p = await createProduct(sharded.api, a, { stock: 50 });
    const catalog = sharded.clients.get<CatalogClient>(CATALOG);
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => catalog.reserve({ productId: p.id, quantity: 1 })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 50);
    assert.equal((await sharded.api.get(`/api/products/${p.id}`)).body.product.stock, 0);
  });

  // Last: it adds products to the sharded system only.
  it('scalestack seed --catalog with CATALOG_SHARDS writes each product on the shard its id hashes to: every one is found by id', async () => {
    const before = await Promise.all(names.map(async (n) => Number((await admin(['select count(*) from catalog.products'], n))[0]!.count)));
    const ids = await seedCatalog({ databaseUrl: sharded.databaseUrl, dataDir: 'memory://', catalogShards: urls.join(','), count: 60, seed: 5 });
    assert.equal(new Set(ids).size, 60);
    const after = await Promise.all(names.map(async (n) => Number((await admin(['select count(*) from catalog.products'], n))[0]!.count)));
    const added = after.map((n, i) => n - before[i]!);
    assert.equal(added.reduce((a, b) => a + b, 0), 60);
    assert.ok(added.every((n) => n > 0), `seeded per shard: ${added.join(', ')}`);
    for (const id of ids) {
      const res = await sharded.api.get(`/api/products/${id}`);
      assert.equal(res.status, 200, `product ${id}: ${res.status}`);
      assert.match(res.body.product.sku, /^SEED5-/);
    }
    // A product created after the seed gets a fresh id from the same sequence.
    const created = await createProduct(sharded.api, await registerAdmin(sharded.api, sharded.db));
    assert.ok(!ids.includes(created.id));
  });
});
