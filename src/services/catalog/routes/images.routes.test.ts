import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { registerUser, type TestUser } from '../../../testing/fixtures.js';
import { assertCode, createProduct, registerAdmin } from '../../../testing/catalog-fixtures.js';
import type { ApiResponse } from '../../../testing/api-client.js';
import { ownS3Options, startOwnS3, type OwnS3 } from '../../../testing/s3-server.js';

interface UploadBody {
  product: { images: { id: string; url: string; thumbnailUrl: string; originalUrl: string }[] };
}

const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: width % 256, g: 80, b: 160 } } }).png().toBuffer();
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Product images on the file-system blob store: upload (admin, multipart), sniffing, limits, variants, ETag/304. */
for (const target of (await dbTargets()).filter((t) => t.name !== 'postgres' || process.env['CI'] === 'true')) {
  describe(`catalog product images [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    let dataDir: string;
    let admin: TestUser;
    let otherAdmin: TestUser;
    let customer: TestUser;

    const upload = async (productId: number, bytes: Buffer, token?: string, field = 'image', type = 'image/png'): Promise<ApiResponse<UploadBody>> => {
      const form = new FormData();
      form.append(field, new Blob([bytes], { type }), 'upload.png');
      const res = await fetch(new URL(`/api/products/${productId}/images`, sys.url), {
        method: 'POST', body: form, headers: token ? { authorization: `Token ${token}` } : {},
      });
      return { status: res.status, headers: res.headers, body: await res.json().catch(() => null) } as ApiResponse<UploadBody>;
    };
    const blobFiles = async (): Promise<string[]> => {
      const walk = async (dir: string): Promise<string[]> => {
        const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
        const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)])));
        return nested.flat();
      };
      return walk(join(dataDir, 'blobs'));
    };

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'scalestack-images-'));
      sys = await startTestSystem(target, { DATA_DIR: dataDir });
      admin = await registerAdmin(sys.api, sys.db);
      otherAdmin = await registerAdmin(sys.api, sys.db);
      customer = await registerUser(sys.api);
    });
    after(async () => {
      await sys?.close();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('an admin uploads an image: variants made, content-addressed, and the product answers with the URLs', async () => {
      const p = await createProduct(sys.api, admin);
      const bytes = await png(1200, 900);
      const res = await upload(p.id, bytes, admin.token);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const sha = sha256(bytes);
      const image = { id: sha, url: `/api/images/${sha}/w800.webp`, thumbnailUrl: `/api/images/${sha}/w200.webp`, originalUrl: `/api/images/${sha}/original` };
      assert.deepEqual(res.body.product.images, [image]);
      assert.deepEqual((await sys.api.get(`/api/products/${p.id}`)).body.product.images, [image]);

      const page = await fetch(new URL(image.url, sys.url));
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('content-type'), 'image/webp');
      const meta = await sharp(Buffer.from(await page.arrayBuffer())).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 800, 600]);
      const thumb = await sharp(Buffer.from(await (await fetch(new URL(image.thumbnailUrl, sys.url))).arrayBuffer())).metadata();
      assert.deepEqual([thumb.width, thumb.height], [200, 150]);
      const original = await fetch(new URL(image.originalUrl, sys.url));
      assert.equal(original.headers.get('content-type'), 'image/png');
      assert.deepEqual(Buffer.from(await original.arrayBuffer()), bytes);
    });

    it('an image is served with its ETag and immutable caching, and If-None-Match answers 304 with no body', async () => {
      const p = await createProduct(sys.api, admin);
      const res = await upload(p.id, await png(300, 200), admin.token);
      const url = new URL(res.body.product.images[0]!.url, sys.url);
      const first = await fetch(url);
      const etag = first.headers.get('etag');
      assert.match(etag ?? '', /^"[0-9a-f]{32}"$/);
      assert.equal(first.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      await first.arrayBuffer();
      const again = await fetch(url, { headers: { 'if-none-match': etag! } });
      assert.equal(again.status, 304);
      assert.equal(again.headers.get('etag'), etag);
      assert.equal(again.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal((await again.arrayBuffer()).byteLength, 0);
      const stale = await fetch(url, { headers: { 'if-none-match': '"0000"' } });
      assert.equal(stale.status, 200);
      await stale.arrayBuffer();
    });

    it('the same bytes uploaded twice are stored once and listed once', async () => {
      const p = await createProduct(sys.api, admin);
      const bytes = await png(64, 64);
      await upload(p.id, bytes, admin.token);
      const before = (await blobFiles()).length;
      const res = await upload(p.id, bytes, otherAdmin.token);
      assert.equal(res.status, 201);
      assert.equal(res.body.product.images.length, 1);
      assert.equal((await blobFiles()).length, before);
    });

    it('a customer cannot upload (403), anonymous gets 401, another admin can', async () => {
      const p = await createProduct(sys.api, admin);
      const bytes = await png(50, 40);
      assertCode(await upload(p.id, bytes, customer.token), 403, 'SS_ROLE_REQUIRED');
      assertCode(await upload(p.id, bytes), 401, 'SS_TOKEN_MISSING');
      assert.deepEqual((await sys.api.get(`/api/products/${p.id}`)).body.product.images, []);
      assert.equal((await upload(p.id, bytes, otherAdmin.token)).status, 201);
    });

    it('bad input: not an image despite its header (415), empty (422), wrong field (422), unknown product (404), JSON (415)', async () => {
      const p = await createProduct(sys.api, admin);
      const before = await blobFiles();
      assertCode(await upload(p.id, Buffer.from('this is text pretending to be a png'), admin.token), 415, 'SS_UNSUPPORTED_MEDIA_TYPE');
      assertCode(await upload(p.id, Buffer.alloc(0), admin.token), 422, 'SS_VALIDATION');
      assertCode(await upload(p.id, await png(10, 10), admin.token, 'picture'), 422, 'SS_VALIDATION');
      assertCode(await upload(999_999_999, await png(10, 10), admin.token), 404, 'SS_NOT_FOUND');
      assertCode(await sys.api.post(`/api/products/${p.id}/images`, { image: 'x' }, { token: admin.token }), 415, 'SS_UNSUPPORTED_MEDIA_TYPE');
      assert.deepEqual(await blobFiles(), before, 'nothing stored');
      assert.deepEqual((await sys.api.get(`/api/products/${p.id}`)).body.product.images, []);
    });

    it('a 20 MB upload over the limit gets 413 and leaves nothing behind', async () => {
      const p = await createProduct(sys.api, admin);
      const before = await blobFiles();
      const big = Buffer.concat([await png(10, 10), Buffer.alloc(20 * 1024 * 1024, 7)]);
      assertCode(await upload(p.id, big, admin.token), 413, 'SS_BODY_TOO_LARGE');
      assert.deepEqual(await blobFiles(), before, 'no blob written');
      assert.deepEqual((await readdir(join(dataDir, 'blobs', 'tmp')).catch(() => [])), [], 'no temporary file left');
      assert.deepEqual((await sys.api.get(`/api/products/${p.id}`)).body.product.images, []);
    });

    it('an unknown image is 404, a malformed image path 422', async () => {
      assertCode(await sys.api.get(`/api/images/${'a'.repeat(64)}/w800.webp`), 404, 'SS_NOT_FOUND');
      assert.equal((await sys.api.get(`/api/images/../w800.webp`)).status >= 400, true);
      assertCode(await sys.api.get(`/api/images/${'a'.repeat(64)}/w900.webp`), 422, 'SS_VALIDATION');
    });
  });
}

describe('catalog product images on S3 (s3rver) with presigned redirects', ownS3Options(), () => {
  let s3: OwnS3;
  let sys: TestSystem;
  let admin: TestUser;
  before(async () => {
    s3 = await startOwnS3('images');
    const [embedded] = await dbTargets();
    sys = await startTestSystem(embedded!, { BLOB_URL: s3.url, CATALOG_IMAGE_REDIRECT_S: 120 });
    admin = await registerAdmin(sys.api, sys.db);
  });
  after(async () => {
    await sys?.close();
    await s3?.stop();
  });

  it('an uploaded image is stored in the bucket and its URL redirects to a presigned GET that serves it', async () => {
    const p = await createProduct(sys.api, admin);
    const bytes = await png(400, 400);
    const form = new FormData();
    form.append('image', new Blob([bytes], { type: 'image/png' }), 'a.png');
    const res = await fetch(new URL(`/api/products/${p.id}/images`, sys.url), { method: 'POST', body: form, headers: { authorization: `Token ${admin.token}` } });
    assert.equal(res.status, 201);
    const { product } = (await res.json()) as UploadBody;
    const answer = await fetch(new URL(product.images[0]!.originalUrl, sys.url), { redirect: 'manual' });
    assert.equal(answer.status, 302);
    const location = answer.headers.get('location') ?? '';
    assert.ok(location.startsWith(`${s3.endpoint}/images/images/${sha256(bytes)}/original?`), location);
    assert.equal(new URL(location).searchParams.get('X-Amz-Expires'), '120');
    const fromBucket = await fetch(location);
    assert.equal(fromBucket.status, 200);
    assert.equal(fromBucket.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.deepEqual(Buffer.from(await fromBucket.arrayBuffer()), bytes);
  });
});
