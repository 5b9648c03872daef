import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';

/** The console's API answers the admin token only, and refuses bad switch and load requests with the catalog's 4xx. */
const ADMIN_TOKEN = 'console-routes-admin-token-0123456789';
const [pglite] = await dbTargets();

describe('console API [pglite, in process]', () => {
  let sys: TestSystem;
  let userToken: string;
  before(async () => {
    sys = await startTestSystem(pglite!, { ADMIN_TOKEN, FEED_STRATEGY: 'hybrid' });
    const response = await fetch(`${sys.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: { username: 'eve', email: 'eve@example.com', password: 'a long enough password' } }),
    });
    userToken = ((await response.json()) as { user: { token: string } }).user.token;
  });
  after(() => sys.close());

  const call = (method: string, path: string, authorization: string | undefined, body?: unknown) =>
    fetch(`${sys.url}/console/api${path}`, {
      method,
      headers: { ...(authorization ? { authorization } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    });

  test('every console route refuses no token, a wrong token and a user\'s JWT (401), and changes nothing', async () => {
    const routes: [string, string, unknown][] = [
      ['GET', '/state', undefined],
      ['GET', '/stream', undefined],
      ['PUT', '/switches', { feedStrategy: 'pull' }],
      ['POST', '/load', { path: '/api/tags', rate: 1, seconds: 1 }],
    ];
    for (const [method, path, body] of routes) {
      for (const authorization of [undefined, 'Bearer not-the-admin-token-at-all', `Token ${userToken}`, `Bearer ${userToken}`]) {
        const response = await call(method, path, authorization, body);
        assert.equal(response.status, 401, `${method} ${path} with ${authorization ?? 'nothing'}`);
        await response.body?.cancel();
      }
    }
    const state = (await (await call('GET', '/state', `Bearer ${ADMIN_TOKEN}`)).json()) as { switches: { feedStrategy: string }; load: unknown };
    assert.equal(state.switches.feedStrategy, 'hybrid');
    assert.equal(state.load, null);
  });

  test('switch changes: unknown values, unknown fields, an empty change, wrong types and malformed JSON are 4xx; a good one applies here', async () => {
    const admin = `Bearer ${ADMIN_TOKEN}`;
    for (const body of [{ feedStrategy: 'fastest' }, { dropTables: true }, {}, { celebrityThreshold: 0 }, { celebrityThreshold: '10' }, { cacheEnabled: 'no' }, '{"feedStrategy":']) {
      const response = await call('PUT', '/switches', admin, body);
      assert.ok(response.status === 400 || response.status === 422, `${JSON.stringify(body)} -> ${response.status}`);
    }
    const unchanged = (await (await call('GET', '/state', admin)).json()) as { changes: unknown[] };
    assert.deepEqual(unchanged.changes, []);

    const response = await call('PUT', '/switches', admin, { feedStrategy: 'pull', celebrityThreshold: 5 });
    assert.equal(response.status, 200);
    const state = (await (await call('GET', '/state', admin)).json()) as { switches: { feedStrategy: string; celebrityThreshold: number }; changes: { changed: object; by: string }[] };
    assert.deepEqual(state.switches, { feedStrategy: 'pull', celebrityThreshold: 5, cacheEnabled: true });
    assert.deepEqual(state.changes.map((c) => [c.by, c.changed]), [['console', { feedStrategy: 'pull', celebrityThreshold: 5 }]]);
  });

  test('load runs: only /api/ paths, bounded rate and duration; a second run while one is under way is 409', async () => {
    const admin = `Bearer ${ADMIN_TOKEN}`;
    for (const body of [{ path: 'http://elsewhere.example/', rate: 1, seconds: 1 }, { path: '/healthz', rate: 1, seconds: 1 }, { path: '/api/tags', rate: 1_000_000, seconds: 1 }, { path: '/api/tags', rate: 1, seconds: 86_400 }, { path: '/api/tags' }]) {
      const response = await call('POST', '/load', admin, body);
      assert.equal(response.status, 422, JSON.stringify(body));
    }
    const started = await call('POST', '/load', admin, { path: '/api/tags', rate: 5, seconds: 3 });
    assert.equal(started.status, 202);
    const again = await call('POST', '/load', admin, { path: '/api/tags', rate: 5, seconds: 3 });
    assert.equal(again.status, 409);
    assert.equal(again.headers.get('x-error-code'), 'SS_CONFLICT');
  });
});
