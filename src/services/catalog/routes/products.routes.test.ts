import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { registerUser, unique, type TestUser } from '../../../testing/fixtures.js';
import { createTokenService } from '../../../platform/auth/tokens.js';
import { assertCode, createProduct, productBody, registerAdmin } from '../../../testing/catalog-fixtures.js';

const JWT_SECRET = 'catalog-contract-suite-secret-0123456789abcdef';

for (const target of await dbTargets()) {
  describe(`catalog products API [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    let admin: TestUser;
    let customer: TestUser;
    before(async () => {
      sys = await startTestSystem(target, { JWT_SECRET });
      admin = await registerAdmin(sys.api, sys.db);
      customer = await registerUser(sys.api);
    });
    after(async () => {
      await sys?.close();
    });

    it('tokens carry roles: customer by default, admin after grant-admin', () => {
      const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { roles: string[] };
      assert.deepEqual(claims(customer.token).roles, ['customer']);
      assert.deepEqual(claims(admin.token).roles, ['customer', 'admin']);
    });

    it('an admin creates a product, answered with its id; anyone reads it', async () => {
      const body = productBody({ name: 'Walnut desk', price: 45_000, category: 'furniture', attributes: { wood: 'walnut', width: 140 } });
      const res = await sys.api.post('/api/products', body, { token: admin.token });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const { product } = res.body;
      assert.ok(Number.isSafeInteger(product.id) && product.id > 0);
      assert.equal(product.sku, body.product.sku);
      assert.equal(product.price, 45_000);
      assert.equal(product.currency, 'EUR');
      assert.deepEqual(product.attributes, { wood: 'walnut', width: 140 });
      assert.equal(product.stock, 5);
      const read = await sys.api.get(`/api/products/${product.id}`);
      assert.equal(read.status, 200);
      assert.deepEqual(read.body, { product });
      const categories = await sys.api.get('/api/categories');
      assert.ok(categories.body.categories.some((c: { slug: string; productsCount: number }) => c.slug === 'furniture' && c.productsCount >= 1));
    });

    it('a customer cannot create, update or delete (403 SS_ROLE_REQUIRED); anonymous gets 401', async () => {
      const p = await createProduct(sys.api, admin);
      assertCode(await sys.api.post('/api/products', productBody(), { token: customer.token }), 403, 'SS_ROLE_REQUIRED');
      assertCode(await sys.api.put(`/api/products/${p.id}`, { product: { price: 1 } }, { token: customer.token }), 403, 'SS_ROLE_REQUIRED');
      assertCode(await sys.api.delete(`/api/products/${p.id}`, { token: customer.token }), 403, 'SS_ROLE_REQUIRED');
      assertCode(await sys.api.post('/api/products', productBody()), 401, 'SS_TOKEN_MISSING');
      assertCode(await sys.api.post('/api/products', productBody(), { token: `${admin.token}x` }), 401, 'SS_TOKEN_INVALID');
      assert.equal((await sys.api.get(`/api/products/${p.id}`)).body.product.price, p.price, 'nothing changed');
    });

    it('a forged token claiming admin is refused; the role comes from identity, not the claim', async () => {
      // Signed with the real secret but for a customer: a token's roles claim grants nothing.
      const forged = await createTokenService(JWT_SECRET, 3600).sign(idOf(customer), 0, ['customer', 'admin']);
      assertCode(await sys.api.post('/api/products', productBody(), { token: forged }), 403, 'SS_ROLE_REQUIRED');
      const other = await createTokenService('another-secret-another-secret-0123456789', 3600).sign(1, 0, ['admin']);
      assertCode(await sys.api.post('/api/products', productBody(), { token: other }), 401, 'SS_TOKEN_INVALID');
    });

    it('an admin token signed by another process (same JWT_SECRET) works', async () => {
      const otherProcess = createTokenService(JWT_SECRET, 3600);
      const token = await otherProcess.sign(idOf(admin), 0, ['customer', 'admin']);
      const res = await sys.api.post('/api/products', productBody(), { token });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    });

    it('updates and deletes; unknown ids are 404', async () => {
      const p = await createProduct(sys.api, admin, { price: 500 });
      const put = await sys.api.put(`/api/products/${p.id}`, { product: { price: 750, name: 'Renamed' } }, { token: admin.token });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal(put.body.product.price, 750);
      assert.equal((await sys.api.get(`/api/products/${p.id}`)).body.product.name, 'Renamed', 'the cached copy was dropped');
      assert.equal((await sys.api.delete(`/api/products/${p.id}`, { token: admin.token })).status, 204);
      assertCode(await sys.api.get(`/api/products/${p.id}`), 404, 'SS_NOT_FOUND');
      assertCode(await sys.api.delete(`/api/products/${p.id}`, { token: admin.token }), 404, 'SS_NOT_FOUND');
      assertCode(await sys.api.put(`/api/products/${p.id}`, { product: { price: 1 } }, { token: admin.token }), 404, 'SS_NOT_FOUND');
    });

    it('a taken sku is 409, case-insensitively, and nothing is written', async () => {
      const p = await createProduct(sys.api, admin);
      const before = (await sys.api.get('/api/products?limit=1')).body.productsCount;
      assertCode(await sys.api.post('/api/products', productBody({ sku: p.sku.toLowerCase() }), { token: admin.token }), 409, 'SS_CONFLICT');
      assert.equal((await sys.api.get('/api/products?limit=1')).body.productsCount, before);
    });

    it('every bad input is a 4xx from the error catalog', async () => {
      const bad: [unknown, number, string][] = [
        [productBody({ price: -1 }), 422, 'SS_VALIDATION'],
        [productBody({ price: 12.5 }), 422, 'SS_VALIDATION'],
        [{ product: { ...productBody().product, price: '100' } }, 422, 'SS_VALIDATION'],
        [productBody({ currency: 'eur' }), 422, 'SS_VALIDATION'],
        [productBody({ sku: 'has space' }), 422, 'SS_VALIDATION'],
        [productBody({ name: '   ' }), 422, 'SS_VALIDATION'],
        [productBody({ name: 'bell\u0007' }), 422, 'SS_VALIDATION'],
        [productBody({ category: 'Not A Slug' }), 422, 'SS_VALIDATION'],
        [productBody({ stock: -5 }), 422, 'SS_VALIDATION'],
        [productBody({ attributes: { nested: { deep: 1 } } as never }), 422, 'SS_VALIDATION'],
        [{ name: 'unwrapped' }, 422, 'SS_VALIDATION'],
      ];
      for (const [body, status, code] of bad) assertCode(await sys.api.post('/api/products', body, { token: admin.token }), status, code);
      assertCode(await sys.api.request('POST', '/api/products', undefined, { token: admin.token, rawBody: '{"product":' }), 400, 'SS_MALFORMED_BODY');
      assertCode(await sys.api.request('POST', '/api/products', undefined, { token: admin.token, rawBody: 'x'.repeat(2_000_000) }), 413, 'SS_BODY_TOO_LARGE');
      const p = await createProduct(sys.api, admin);
      assertCode(await sys.api.put(`/api/products/${p.id}`, { product: { stock: 100 } }, { token: admin.token }), 422, 'SS_VALIDATION');
      assertCode(await sys.api.put(`/api/products/${p.id}`, { product: {} }, { token: admin.token }), 422, 'SS_VALIDATION');
      for (const path of ['/api/products/0', '/api/products/abc', '/api/products/0x1', '/api/products?limit=0', '/api/products?limit=101', '/api/products?minPrice=-1', '/api/products?inStock=maybe', '/api/products?sort=random', '/api/products?cursor=garbage', '/api/products?minPrice=10&maxPrice=5', '/api/products?sort=relevance']) {
        const res = await sys.api.get(path);
        assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}`);
        assert.match(res.headers.get('x-error-code') ?? '', /^SS_/, path);
      }
      const priceSorted = (await sys.api.get('/api/products?sort=price_asc&limit=1')).body.nextCursor;
      assertCode(await sys.api.get(`/api/products?sort=newest&cursor=${priceSorted}`), 422, 'SS_VALIDATION');
    });

    it('lists with filters (category, price range, inStock) and sorts', async () => {
      const category = unique('cat-');
      const made = [
        await createProduct(sys.api, admin, { category, price: 100, stock: 0, name: 'Alpha' }),
        await createProduct(sys.api, admin, { category, price: 300, stock: 2, name: 'Bravo' }),
        await createProduct(sys.api, admin, { category, price: 200, stock: 1, name: 'Charlie' }),
      ];
      const list = async (qs: string) => (await sys.api.get(`/api/products?category=${category}&${qs}`)).body;
      assert.deepEqual((await list('sort=price_asc')).products.map((p: { price: number }) => p.price), [100, 200, 300]);
      assert.deepEqual((await list('sort=price_desc')).products.map((p: { price: number }) => p.price), [300, 200, 100]);
      assert.deepEqual((await list('')).products.map((p: { id: number }) => p.id), made.map((p) => p.id).reverse(), 'newest first');
      assert.deepEqual((await list('sort=name')).products.map((p: { name: string }) => p.name), ['Alpha', 'Bravo', 'Charlie']);
      assert.deepEqual((await list('inStock=true&sort=price_asc')).products.map((p: { price: number }) => p.price), [200, 300]);
      assert.deepEqual((await list('inStock=false')).products.map((p: { price: number }) => p.price), [100]);
      const ranged = await list('minPrice=150&maxPrice=300&sort=price_asc');
      assert.deepEqual(ranged.products.map((p: { price: number }) => p.price), [200, 300]);
      assert.equal(ranged.productsCount, 2);
      assert.deepEqual(Object.keys(ranged).sort(), ['facets', 'nextCursor', 'products', 'productsCount']);
    });

    it('cursor pages are stable under concurrent inserts: every product once, none skipped', async () => {
      const category = unique('page-');
      const initial = [];
      for (let i = 0; i < 12; i++) initial.push((await createProduct(sys.api, admin, { category, price: 1000 + (i % 4) * 10 })).id);
      for (const sort of ['newest', 'price_asc', 'price_desc', 'name']) {
        const seen: number[] = [];
        let cursor: string | null = null;
        let inserted = 0;
        do {
          const res: { status: number; body: { products: { id: number }[]; nextCursor: string | null } } = await sys.api.get(
            `/api/products?category=${category}&sort=${sort}&limit=5${cursor ? `&cursor=${cursor}` : ''}`,
          );
          assert.equal(res.status, 200, JSON.stringify(res.body));
          seen.push(...res.body.products.map((p) => p.id));
          cursor = res.body.nextCursor;
          // Inserts between page reads, at prices inside the range being paged.
          await Promise.all([0, 1].map(() => createProduct(sys.api, admin, { category, price: 1005 }).then(() => inserted++)));
        } while (cursor);
        assert.equal(new Set(seen).size, seen.length, `${sort}: no product twice`);
        for (const id of initial) assert.ok(seen.includes(id), `${sort}: product ${id} not skipped`);
        assert.ok(inserted > 0);
      }
    });

    it('GET /api/categories lists categories with their product counts', async () => {
      const category = unique('count-');
      await createProduct(sys.api, admin, { category });
      await createProduct(sys.api, admin, { category });
      const res = await sys.api.get('/api/categories');
      assert.equal(res.status, 200);
      const found = res.body.categories.find((c: { slug: string }) => c.slug === category);
      assert.deepEqual(found, { slug: category, name: category.charAt(0).toUpperCase() + category.slice(1).replace(/-/g, ' '), productsCount: 2 });
    });

    function idOf(user: TestUser): number {
      const token = user.token.split('.')[1]!;
      return Number((JSON.parse(Buffer.from(token, 'base64url').toString()) as { sub: string }).sub);
    }
  });
}
