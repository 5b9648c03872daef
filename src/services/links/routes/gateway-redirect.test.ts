import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StaticRegistry } from '../../../platform/discovery/static-registry.js';
import { startTestGateway, TEST_INTERNAL_SECRET, TEST_JWT_SECRET } from '../../../gateway/gateway-test-kit.js';
import { CONDUIT_ROUTES } from '../../../gateway/route-table.js';
import type { Gateway } from '../../../gateway/gateway.js';
import { createApiClient } from '../../../testing/api-client.js';
import { dbTargets } from '../../../testing/db-targets.js';
import { registerUser } from '../../../testing/fixtures.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { createLink, visit } from '../testing.js';

/** Short links through the gateway: `/:code` at the gateway's root, beside its own health, metrics and admin routes. */
describe('links through the gateway', () => {
  let sys: TestSystem;
  let gateway: Gateway;

  before(async () => {
    const [pglite] = await dbTargets();
    sys = await startTestSystem(pglite!, { JWT_SECRET: TEST_JWT_SECRET, INTERNAL_SECRET: TEST_INTERNAL_SECRET });
    const registry = new StaticRegistry(new Map(['identity', 'social', 'links'].map((s) => [s, [sys.url]])));
    gateway = await startTestGateway({ registry, routes: CONDUIT_ROUTES, healthIntervalMs: 1000 });
  });
  after(async () => {
    await gateway?.close();
    await sys?.close();
  });

  it('creates a link and redirects GET /:code at the gateway root; short URLs carry the gateway origin', async () => {
    const api = createApiClient(gateway.url);
    const user = await registerUser(api);
    const link = await createLink(api, user.token, { url: 'https://through.example/x' });
    assert.equal(new URL(link.shortUrl).host, new URL(gateway.url).host);
    const res = await visit(gateway.url, `/${link.code}`);
    assert.equal(res.status, 302);
    assert.equal(res.location, 'https://through.example/x');
    assert.equal((await visit(gateway.url, '/NoSuchCode3')).status, 404);
  });

  it("the gateway's own routes and reserved paths are never redirects", async () => {
    assert.equal((await visit(gateway.url, '/healthz')).status, 200);
    const upstreams = await visit(gateway.url, '/gateway/upstreams');
    assert.ok(upstreams.status === 401 || upstreams.status === 403, String(upstreams.status));
    for (const path of ['/api', '/metrics', '/internal', '/favicon.ico']) {
      const res = await visit(gateway.url, path);
      assert.equal(res.location, null, path);
      assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}`);
    }
  });
});
