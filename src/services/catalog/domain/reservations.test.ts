import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { waitFor } from '../../../platform/bus/testing/targets.js';
import type { TestUser } from '../../../testing/fixtures.js';
import { createProduct, registerAdmin } from '../../../testing/catalog-fixtures.js';
import { CATALOG, PRODUCT_CREATED, STOCK_CHANGED, type CatalogClient, type ProductEvent, type StockChangedEvent } from '../../../contracts/catalog.js';
import { AppError } from '../../../platform/errors/app-error.js';

for (const target of await dbTargets()) {
  describe(`catalog stock reservations [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    let admin: TestUser;
    let catalog: CatalogClient;
    const stockEvents: StockChangedEvent[] = [];
    const created: ProductEvent[] = [];
    before(async () => {
      sys = await startTestSystem(target);
      admin = await registerAdmin(sys.api, sys.db);
      catalog = sys.clients.get<CatalogClient>(CATALOG);
      await sys.bus.subscribe<StockChangedEvent>(STOCK_CHANGED, 'test-stock', async ({ payload }) => void stockEvents.push(payload));
      await sys.bus.subscribe<ProductEvent>(PRODUCT_CREATED, 'test-created', async ({ payload }) => void created.push(payload));
    });
    after(async () => {
      await sys?.close();
    });

    const stockOf = async (id: number) => (await sys.api.get(`/api/products/${id}`)).body.product.stock as number;
    const code = (err: unknown) => (err instanceof AppError ? err.code : String(err));

    it('200 concurrent reservations of one unit for 50 in stock: exactly 50 succeed, stock ends at 0, never below', async () => {
      const p = await createProduct(sys.api, admin, { stock: 50 });
      const results = await Promise.allSettled(Array.from({ length: 200 }, () => catalog.reserve({ productId: p.id, quantity: 1 })));
      const ok = results.filter((r) => r.status === 'fulfilled');
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [code(r.reason)] : []));
      assert.equal(ok.length, 50);
      assert.deepEqual([...new Set(refused)], ['SS_OUT_OF_STOCK']);
      assert.equal(await stockOf(p.id), 0);
      const held = await sql<{ n: number; units: number }>`select count(*)::int as n, coalesce(sum(quantity), 0)::int as units
        from catalog.reservations where product_id = ${p.id} and state = 'held'`.execute(sys.db.as());
      assert.deepEqual(held.rows[0], { n: 50, units: 50 });
      await waitFor('50 stock.changed events', () => stockEvents.filter((e) => e.productId === p.id).length === 50);
      const seen = stockEvents.filter((e) => e.productId === p.id).map((e) => e.stock).sort((a, b) => a - b);
      assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => i), 'each reservation saw a distinct stock level, 49 down to 0');
    });

    it('release gives units back once; commit keeps them sold; settling twice changes nothing', async () => {
      const p = await createProduct(sys.api, admin, { stock: 10 });
      const a = await catalog.reserve({ productId: p.id, quantity: 4 });
      const b = await catalog.reserve({ productId: p.id, quantity: 3 });
      assert.equal(await stockOf(p.id), 3, 'the cached product shows the reservations');
      assert.equal((await catalog.release(a.id)).state, 'released');
      assert.equal((await catalog.release(a.id)).state, 'released');
      assert.equal(await stockOf(p.id), 7);
      assert.equal((await catalog.commit(b.id)).state, 'committed');
      assert.equal((await catalog.release(b.id)).state, 'committed', 'a sold reservation is not released');
      assert.equal(await stockOf(p.id), 7);
      await assert.rejects(catalog.commit(`${p.id}.nope`), (err) => code(err) === 'SS_NOT_FOUND');
      await assert.rejects(catalog.release('garbage'), (err) => code(err) === 'SS_NOT_FOUND');
    });

    it('reserving again with the same id answers the same reservation and takes nothing more', async () => {
      const p = await createProduct(sys.api, admin, { stock: 5 });
      const first = await catalog.reserve({ productId: p.id, quantity: 2, id: 'order-17' });
      const again = await catalog.reserve({ productId: p.id, quantity: 2, id: 'order-17' });
      assert.deepEqual(again, first);
      assert.equal(await stockOf(p.id), 3);
    });

    it('20 concurrent reservations with the same new id: all answer the one reservation, its units taken once', async () => {
      const p = await createProduct(sys.api, admin, { stock: 5 });
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => catalog.reserve({ productId: p.id, quantity: 2, id: 'order-race' })));
      const failed = results.flatMap((r) => (r.status === 'rejected' ? [code(r.reason)] : []));
      assert.deepEqual(failed, [], 'no clash on the id surfaces as an error');
      const answers = new Set(results.map((r) => JSON.stringify((r as PromiseFulfilledResult<unknown>).value)));
      assert.deepEqual([...answers], [JSON.stringify({ id: `${p.id}.order-race`, productId: p.id, quantity: 2, state: 'held' })]);
      assert.equal(await stockOf(p.id), 3);
    });

    it('bad reservations are refused without a change: unknown product, zero, too many, bad id', async () => {
      const p = await createProduct(sys.api, admin, { stock: 2 });
      await assert.rejects(catalog.reserve({ productId: 999_999_999, quantity: 1 }), (err) => code(err) === 'SS_NOT_FOUND');
      await assert.rejects(catalog.reserve({ productId: p.id, quantity: 0 }), (err) => code(err) === 'SS_VALIDATION');
      await assert.rejects(catalog.reserve({ productId: p.id, quantity: 1.5 }), (err) => code(err) === 'SS_VALIDATION');
      await assert.rejects(catalog.reserve({ productId: p.id, quantity: 3 }), (err) => code(err) === 'SS_OUT_OF_STOCK');
      await assert.rejects(catalog.reserve({ productId: p.id, quantity: 1, id: 'a b' }), (err) => code(err) === 'SS_VALIDATION');
      assert.equal(await stockOf(p.id), 2);
    });

    it('product.created is published through the outbox with the product', async () => {
      const p = await createProduct(sys.api, admin, { price: 4321 });
      await waitFor('product.created', () => created.some((e) => e.productId === p.id));
      assert.deepEqual(created.find((e) => e.productId === p.id), { productId: p.id, sku: p.sku, category: p.category, price: 4321, currency: 'EUR' });
    });
  });
}
