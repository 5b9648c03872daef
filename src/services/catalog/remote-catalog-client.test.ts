import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import type { TestUser } from '../../testing/fixtures.js';
import { createProduct, registerAdmin } from '../../testing/catalog-fixtures.js';
import { createHttpCatalogClient } from './http-catalog-client.js';
import { createGrpcCatalogClient } from './grpc-catalog-client.js';
import { withBreaker } from './breaking-catalog-client.js';
import type { RemoteEndpoints } from '../../platform/runtime/service-module.js';
import { AppError } from '../../platform/errors/app-error.js';
import { BODY_DIGEST_HEADER, bodyDigest, EMPTY_BODY_DIGEST, INTERNAL_SIG_HEADER, sign } from '../../platform/auth/gateway-identity.js';
import { credentials, Metadata, status as grpcStatus } from '@grpc/grpc-js';
import { loadGrpcService } from '../../platform/grpc/internal-grpc.js';
import { CATALOG_GRPC_SERVICE, CATALOG_PROTO } from './catalog-proto.js';

const SECRET = 's'.repeat(40);

/**
 * One conformance suite for the catalog's remote clients (INTERNAL_TRANSPORT, ADR 0038): the same calls, answers,
 * errors and races over signed HTTP and over gRPC, against a system serving both.
 */
const TRANSPORTS = {
  http: createHttpCatalogClient,
  grpc: createGrpcCatalogClient,
} satisfies Record<string, (e: RemoteEndpoints) => unknown>;

/** The AppError a call must fail with: its status and stable code, as the in-process client throws it. */
function appError(status: number, code: string, field?: string) {
  return (err: unknown) => {
    assert.ok(err instanceof AppError, `an AppError, got ${String(err)}`);
    assert.equal(err.status, status, err.message);
    assert.equal(err.code, code, err.message);
    if (field) assert.ok(field in err.errors, err.message);
    return true;
  };
}

for (const target of await dbTargets()) for (const [transport, createClient] of Object.entries(TRANSPORTS)) {
  describe(`catalog over ${transport} (the client orders uses from another process) [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    let admin: TestUser;
    let client: ReturnType<typeof createClient>;
    before(async () => {
      sys = await startTestSystem(target, { INTERNAL_SECRET: SECRET, INTERNAL_TRANSPORT: 'grpc' });
      admin = await registerAdmin(sys.api, sys.db);
      client = createClient({ urls: () => [sys.url], secret: SECRET });
    });
    after(async () => {
      await client?.close();
      await sys?.close();
    });

    it('product() reads a product and answers null for one that does not exist', async () => {
      const p = await createProduct(sys.api, admin, { price: 1234, stock: 7 });
      assert.deepEqual(await client.product(p.id), { id: p.id, sku: p.sku, name: p.name, price: 1234, currency: 'EUR', stock: 7 });
      assert.equal(await client.product(999_999_999), null);
      assert.equal(await client.product(0), null);
    });

    it('reserve, release and commit move stock as in process; settling twice changes nothing; the same id reserves once', async () => {
      const p = await createProduct(sys.api, admin, { stock: 10 });
      const held = await client.reserve({ productId: p.id, quantity: 3 });
      assert.equal(held.state, 'held');
      assert.equal(held.quantity, 3);
      assert.equal((await client.product(p.id))!.stock, 7);
      assert.equal((await client.release(held.id)).state, 'released');
      assert.equal((await client.release(held.id)).state, 'released');
      assert.equal((await client.product(p.id))!.stock, 10, 'released units are back, once');

      const sold = await client.reserve({ productId: p.id, quantity: 4, id: 'order-1' });
      const again = await client.reserve({ productId: p.id, quantity: 4, id: 'order-1' });
      assert.equal(again.id, sold.id);
      assert.equal((await client.product(p.id))!.stock, 6, 'a repeated reserve with the same id takes nothing more');
      assert.equal((await client.commit(sold.id)).state, 'committed');
      assert.equal((await client.release(sold.id)).state, 'committed', 'a committed reservation is not released');
      assert.equal((await client.product(p.id))!.stock, 6);
    });

    it('the domain\'s errors come back as the same AppErrors: out of stock 409, unknown product or reservation 404, bad quantity 422', async () => {
      const p = await createProduct(sys.api, admin, { stock: 2 });
      await assert.rejects(client.reserve({ productId: p.id, quantity: 3 }), appError(409, 'SS_OUT_OF_STOCK', 'stock'));
      await assert.rejects(client.reserve({ productId: 999_999_999, quantity: 1 }), appError(404, 'SS_NOT_FOUND', 'product'));
      await assert.rejects(client.release(`${p.id}.no-such-reservation`), appError(404, 'SS_NOT_FOUND', 'reservation'));
      await assert.rejects(client.commit('not a reservation id / at all'), appError(404, 'SS_NOT_FOUND', 'reservation'));
      await assert.rejects(client.reserve({ productId: p.id, quantity: 0 }), appError(422, 'SS_VALIDATION', 'quantity'));
      await assert.rejects(client.reserve({ productId: p.id, quantity: 1, id: 'bad id!' }), appError(422, 'SS_VALIDATION', 'id'));
      assert.equal((await client.product(p.id))!.stock, 2, 'no failed call took stock');
    });

    it('200 concurrent reserves for 50 in stock: exactly 50 succeed, the rest are out of stock, stock ends at 0', async () => {
      const p = await createProduct(sys.api, admin, { stock: 50 });
      // The 200 calls queue for one database connection (PGlite has one): the last waits for the 199 before it,
      // which on a loaded CI machine took longer than the 2 s a call may take, and a late call is not what this tests.
      const patient = createClient({ urls: () => [sys.url], secret: SECRET, callTimeoutMs: 60_000 });
      const results = await Promise.allSettled(Array.from({ length: 200 }, () => patient.reserve({ productId: p.id, quantity: 1 }))).finally(() => patient.close());
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      assert.equal(won.length, 50);
      assert.equal(new Set(won.map((r) => r.value.id)).size, 50, '50 distinct reservations');
      assert.ok(lost.every((err) => err instanceof AppError && err.code === 'SS_OUT_OF_STOCK'), `every refusal is out of stock: ${String(lost.find((e) => !(e instanceof AppError && e.code === 'SS_OUT_OF_STOCK')))}`);
      assert.equal((await client.product(p.id))!.stock, 0);
    });

    it('a client with another secret gets 503 from every call, never "not found", and moves no stock', async () => {
      const p = await createProduct(sys.api, admin, { stock: 5 });
      const stranger = createClient({ urls: () => [sys.url], secret: 'x'.repeat(40) });
      try {
        for (const call of [() => stranger.product(p.id), () => stranger.reserve({ productId: p.id, quantity: 1 }), () => stranger.release(`${p.id}.x`), () => stranger.commit(`${p.id}.x`)]) {
          await assert.rejects(call, appError(503, 'SS_UPSTREAM_UNAVAILABLE', 'catalog'));
        }
      } finally {
        await stranger.close();
      }
      assert.equal((await client.product(p.id))!.stock, 5);
    });

    if (transport === 'http') it('unsigned, forged or re-bodied internal HTTP calls are refused and move no stock', async () => {
      const p = await createProduct(sys.api, admin, { stock: 5 });
      const path = '/internal/catalog/reservations';
      const body = JSON.stringify({ reservation: { productId: p.id, quantity: 5 } });
      const post = (headers: Record<string, string>, payload = body) =>
        fetch(`${sys.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
      // Internal routes hide themselves from callers without a valid signature (ADR 0018): 404 of the route.
      for (const [what, headers] of [
        ['unsigned', {}],
        ['forged', { [INTERNAL_SIG_HEADER]: `${Date.now()}.${'A'.repeat(43)}`, [BODY_DIGEST_HEADER]: bodyDigest(body) }],
        ['signed with another secret', { [INTERNAL_SIG_HEADER]: sign('x'.repeat(40), 'internal', { method: 'POST', path, bodyDigest: bodyDigest(body) }), [BODY_DIGEST_HEADER]: bodyDigest(body) }],
        ['signed too long ago', { [INTERNAL_SIG_HEADER]: sign(SECRET, 'internal', { method: 'POST', path, bodyDigest: bodyDigest(body) }, Date.now() - 60_000), [BODY_DIGEST_HEADER]: bodyDigest(body) }],
      ] as const) {
        const res = await post(headers);
        assert.equal(res.status, 404, what);
        assert.equal(res.headers.get('x-error-code'), 'SS_NOT_FOUND', what);
        assert.deepEqual(await res.json(), { errors: { route: ['not found'] } }, what);
      }
      // A valid signature of one body, sent with other bytes: refused once the bytes are read (401), before the handler.
      const signed = bodyDigest(JSON.stringify({ reservation: { productId: p.id, quantity: 1 } }));
      const swapped = await post({ [INTERNAL_SIG_HEADER]: sign(SECRET, 'internal', { method: 'POST', path, bodyDigest: signed }), [BODY_DIGEST_HEADER]: signed });
      assert.equal(swapped.status, 401);
      assert.equal(swapped.headers.get('x-error-code'), 'SS_TOKEN_INVALID');
      assert.equal((await client.product(p.id))!.stock, 5, 'no refused call took stock');
    });

    if (transport === 'grpc') it('unsigned, forged, stale or re-bodied gRPC calls are refused UNAUTHENTICATED and move no stock', async () => {
      const p = await createProduct(sys.api, admin, { stock: 5 });
      const path = '/internal/catalog/grpc';
      const found = await fetch(`${sys.url}${path}`, { headers: { [INTERNAL_SIG_HEADER]: sign(SECRET, 'internal', { method: 'GET', path, bodyDigest: EMPTY_BODY_DIGEST }) } });
      const { grpc: { port } } = (await found.json()) as { grpc: { port: number } };
      const Catalog = loadGrpcService(CATALOG_PROTO, CATALOG_GRPC_SERVICE);
      const raw = new Catalog(`127.0.0.1:${port}`, credentials.createInsecure());
      const method = `/${CATALOG_GRPC_SERVICE}/Reserve`;
      const request = { productId: p.id, quantity: 5, id: 'forged-1' };
      const digestOf = (r: object) => bodyDigest(JSON.stringify(Object.entries(r).sort(([a], [b]) => a.localeCompare(b))));
      const reserve = (sig: string | undefined) =>
        new Promise<number>((resolve) => {
          const metadata = new Metadata();
          if (sig) metadata.set(INTERNAL_SIG_HEADER, sig);
          (raw as unknown as { Reserve: (r: object, m: Metadata, cb: (err: { code: number } | null) => void) => void })
            .Reserve(request, metadata, (err) => resolve(err ? err.code : 0));
        });
      try {
        assert.equal(await reserve(sign(SECRET, 'internal', { method: 'POST', path: method, bodyDigest: digestOf(request) })), 0, 'the control: a good signature reserves');
        assert.equal((await client.release(`${p.id}.forged-1`)).state, 'released');
        for (const [what, sig] of [
          ['unsigned', undefined],
          ['forged', `${Date.now()}.${'A'.repeat(43)}`],
          ['signed with another secret', sign('x'.repeat(40), 'internal', { method: 'POST', path: method, bodyDigest: digestOf(request) })],
          ['signed too long ago', sign(SECRET, 'internal', { method: 'POST', path: method, bodyDigest: digestOf(request) }, Date.now() - 60_000)],
          ['signed for another request', sign(SECRET, 'internal', { method: 'POST', path: method, bodyDigest: digestOf({ ...request, quantity: 1 }) })],
          ['signed for another method', sign(SECRET, 'internal', { method: 'POST', path: `/${CATALOG_GRPC_SERVICE}/Release`, bodyDigest: digestOf(request) })],
        ] as const) {
          assert.equal(await reserve(sig), grpcStatus.UNAUTHENTICATED, what);
        }
      } finally {
        raw.close();
      }
      assert.equal((await client.product(p.id))!.stock, 5, 'no refused call took stock');
    });

    it('the breaker: 5 calls in a row that find no catalog open it, then calls fail at once (503) without trying; answers never count', async () => {
      let tries = 0;
      const gone = withBreaker(createClient({ urls: () => (tries++, ['http://127.0.0.1:1']), secret: SECRET }));
      const live = withBreaker(createClient({ urls: () => [sys.url], secret: SECRET }));
      try {
        const p = await createProduct(sys.api, admin, { stock: 0 });
        for (let i = 0; i < 4; i++) await assert.rejects(gone.product(1), appError(503, 'SS_UPSTREAM_UNAVAILABLE', 'catalog'));
        // The catalog's own refusals are answers: six in a row leave a breaker closed.
        for (let i = 0; i < 6; i++) await assert.rejects(live.reserve({ productId: p.id, quantity: 1 }), appError(409, 'SS_OUT_OF_STOCK', 'stock'));
        assert.equal(live.breaker.state, 'closed');
        assert.equal(gone.breaker.state, 'closed', 'four failures: still closed');
        await assert.rejects(gone.product(1), appError(503, 'SS_UPSTREAM_UNAVAILABLE', 'catalog'));
        assert.equal(gone.breaker.state, 'open');
        const before = tries;
        for (let i = 0; i < 10; i++) await assert.rejects(gone.reserve({ productId: 1, quantity: 1 }), appError(503, 'SS_UPSTREAM_UNAVAILABLE', 'catalog'));
        assert.equal(tries, before, 'no call went out while open');
      } finally {
        await live.close();
        await gone.close();
      }
    });

    it('no replica reachable: 503 from the catalog, after trying each', async () => {
      const gone = createClient({ urls: () => ['http://127.0.0.1:1'], secret: SECRET });
      const none = createClient({ urls: () => [], secret: SECRET });
      try {
        await assert.rejects(gone.product(1), appError(503, 'SS_UPSTREAM_UNAVAILABLE', 'catalog'));
        await assert.rejects(none.reserve({ productId: 1, quantity: 1 }), appError(503, 'SS_UPSTREAM_UNAVAILABLE', 'catalog'));
      } finally {
        await gone.close();
        await none.close();
      }
    });
  });
}
