import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { dbTargets } from '../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../testing/test-system.js';
import { createProduct, registerAdmin } from '../testing/catalog-fixtures.js';
import type { TestUser } from '../testing/fixtures.js';
import type { Gateway } from './gateway.js';
import { startTestGateway, TEST_INTERNAL_SECRET, TEST_JWT_SECRET } from './gateway-test-kit.js';
import { CONDUIT_ROUTES } from './route-table.js';

const [pglite] = await dbTargets();
/** Small, so the oversized upload is cheap to send; the same on both sides, as one deployment's settings are. */
const IMAGE_LIMIT = 256 * 1024;

/** Multipart uploads (product images) through the gateway, which parses JSON bodies itself and passes these on as bytes. */
describe('uploads through the gateway', () => {
  let sys: TestSystem;
  let gateway: Gateway;
  let admin: TestUser;

  before(async () => {
    const shared = { JWT_SECRET: TEST_JWT_SECRET, INTERNAL_SECRET: TEST_INTERNAL_SECRET, CATALOG_IMAGE_MAX_BYTES: IMAGE_LIMIT };
    sys = await startTestSystem(pglite!, shared);
    gateway = await startTestGateway({ social: [sys.url], routes: CONDUIT_ROUTES, overrides: shared });
    admin = await registerAdmin(sys.api, sys.db);
  });
  after(async () => {
    await gateway?.close();
    await sys?.close();
  });

  const upload = (productId: number, bytes: Buffer) => {
    const form = new FormData();
    form.append('image', new Blob([bytes], { type: 'image/png' }), 'upload.png');
    return fetch(new URL(`/api/products/${productId}/images`, gateway.url), { method: 'POST', body: form, headers: { authorization: `Token ${admin.token}` } });
  };

  it("an admin's image upload reaches the catalog through the gateway (201, the product's images)", async () => {
    const product = await createProduct(sys.api, admin);
    const image = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png().toBuffer();
    const res = await upload(product.id, image);
    assert.equal(res.status, 201, await res.clone().text());
    const body = (await res.json()) as { product: { images: unknown[] } };
    assert.equal(body.product.images.length, 1);
  });

  it('an upload past the image limit is refused by the gateway with 413 and never reaches the catalog', async () => {
    const product = await createProduct(sys.api, admin);
    const res = await upload(product.id, Buffer.alloc(IMAGE_LIMIT + 128 * 1024, 1));
    assert.equal(res.status, 413, await res.text());
    assert.deepEqual((await sys.api.get<{ product: { images: unknown[] } }>(`/api/products/${product.id}`)).body.product.images, []);
  });

  it('multipart to a route that takes no upload: 415 from the gateway, and the next request through it is served', async () => {
    const body = JSON.stringify({ x: 'y'.repeat(1_100_000) });
    const refused = await fetch(new URL('/api/user', gateway.url), { method: 'PUT', body, headers: { authorization: `Token ${admin.token}`, 'content-type': 'multipart/form-data; boundary=x' } });
    assert.equal(refused.status, 415, await refused.text());
    const next = await fetch(new URL('/api/user', gateway.url), { headers: { authorization: `Token ${admin.token}` }, signal: AbortSignal.timeout(10_000) });
    assert.equal(next.status, 200);
  });
});
