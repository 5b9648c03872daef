/**
 * A request no route took (plugins/route-not-found.ts): 405 with Allow when its path is served under other
 * methods, whichever plugin registered those routes; 404 otherwise; a plain OPTIONS 204 with Allow, and 404 on a
 * path no route serves, CORS on or off; 414 for a path a route would take but for a parameter over the limit.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from './create-app.js';
import { createLogger } from '../log/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { createTokenService } from '../auth/tokens.js';

async function appWithRoutes(corsOrigins: string) {
  const app = await createApp({
    logger: createLogger({ level: 'silent', pretty: false }),
    metrics: createMetrics(),
    tokens: createTokenService('x'.repeat(32), 60),
    bodyLimit: 1024,
    userExists: async () => true,
    corsOrigins,
  });
  app.get('/things/:id', async () => ({ thing: 1 }));
  app.put('/things/:id', async () => ({ thing: 1 }));
  // Registered in an encapsulated child with a prefix, as every service mounts its routes.
  await app.register(async (child) => {
    child.post('/items', async () => ({ item: 1 }));
  }, { prefix: '/shop' });
  await app.ready();
  return app;
}

describe('a method a path is not served under', () => {
  it('is 405 with Allow listing the methods it is served under, wherever its routes were registered; an unknown path is 404', async () => {
    const app = await appWithRoutes('*');
    const cases: Array<[string, string, string]> = [
      ['DELETE', '/things/7', 'GET, HEAD, PUT, OPTIONS'],
      ['PATCH', '/things/7?x=1', 'GET, HEAD, PUT, OPTIONS'],
      ['GET', '/shop/items/', 'POST, OPTIONS'],
    ];
    for (const [method, url, allow] of cases) {
      const res = await app.inject({ method: method as 'GET', url });
      assert.equal(res.statusCode, 405, `${method} ${url}: ${res.body}`);
      assert.equal(res.headers['allow'], allow, `${method} ${url}`);
      assert.equal(res.headers['x-error-code'], 'SS_METHOD_NOT_ALLOWED');
      assert.deepEqual(res.json(), { errors: { method: [`${method} is not allowed here`] } });
    }
    // CORS registers `OPTIONS *`, which matches every path: it must not make an unknown path look served.
    for (const url of ['/nope', '/things', '/things/7/more', '/shop']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, `${url}: ${res.body}`);
      assert.equal(res.headers['allow'], undefined);
      assert.equal(res.headers['x-error-code'], 'SS_NOT_FOUND');
    }
    await app.close();
  });

  it('an OPTIONS on a served path is 204 with Allow: from here when CORS is off, added to CORS\'s answer when it is on', async () => {
    const off = await appWithRoutes('none');
    const options = await off.inject({ method: 'OPTIONS', url: '/things/7' });
    assert.equal(options.statusCode, 204);
    assert.equal(options.headers['allow'], 'GET, HEAD, PUT, OPTIONS');
    assert.equal((await off.inject({ method: 'OPTIONS', url: '/nope' })).statusCode, 404);
    await off.close();

    const on = await appWithRoutes('*');
    const preflight = await on.inject({
      method: 'OPTIONS',
      url: '/things/7',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT' },
    });
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], '*');
    assert.equal(preflight.headers['allow'], 'GET, HEAD, PUT, OPTIONS', 'a CORS answer lists the methods too');
    const plain = await on.inject({ method: 'OPTIONS', url: '/shop/items' });
    assert.equal(plain.statusCode, 204);
    assert.equal(plain.headers['allow'], 'POST, OPTIONS');
    await on.close();
  });

  it('an OPTIONS on a path no route serves is 404, CORS on or off, a preflight too: CORS does not make every path exist', async () => {
    for (const corsOrigins of ['none', '*', 'https://app.example']) {
      const app = await appWithRoutes(corsOrigins);
      const requests = [
        { url: '/nope' },
        { url: '/things/7/more' },
        { url: '/shop', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } },
      ];
      for (const request of requests) {
        const res = await app.inject({ method: 'OPTIONS', ...request });
        assert.equal(res.statusCode, 404, `CORS ${corsOrigins}: OPTIONS ${request.url}: ${res.body}`);
        assert.equal(res.headers['x-error-code'], 'SS_NOT_FOUND');
        assert.equal(res.headers['allow'], undefined, 'an unknown path lists nothing');
        assert.deepEqual(res.json(), { errors: { route: ['not found'] } });
      }
      await app.close();
    }
  });

  it('a path a route would take but for a parameter over maxParamLength is 414 under every method, served or not', async () => {
    for (const corsOrigins of ['none', '*']) {
      const app = await appWithRoutes(corsOrigins);
      const url = `/things/${'a'.repeat(501)}`;
      for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const) {
        const res = await app.inject({ method, url });
        assert.equal(res.statusCode, 414, `CORS ${corsOrigins}: ${method}: ${res.body}`);
        assert.equal(res.headers['x-error-code'], 'SS_BAD_URL');
        assert.deepEqual(res.json(), { errors: { url: ['is too long'] } });
      }
      // At the limit the path is served as usual, so the bound is the router's, not a shorter one of ours.
      assert.equal((await app.inject({ method: 'PATCH', url: `/things/${'a'.repeat(500)}` })).statusCode, 405);
      await app.close();
    }
  });
});
