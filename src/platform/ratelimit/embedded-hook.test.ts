/** The embedded topology (no gateway): the limiter runs as a Fastify hook, in memory, with the same headers and 429. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { rawHttp } from '../../testing/raw-http.js';

const pglite = (await dbTargets()).find((t) => t.name === 'pglite')!;

describe('rate limits in the embedded topology (Fastify hook, in memory)', () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem(pglite, {
      RATE_LIMIT_ENABLED: true,
      RATE_LIMITS: JSON.stringify([{ name: 'login', key: 'ip', limit: 3, windowSeconds: 60, methods: ['POST'], path: '^/api/users/login$' }]),
    });
  });
  after(() => sys?.close());

  it('the 4th login in a minute from one address is a 429 with Retry-After; RateLimit headers on each', async () => {
    const login = () => sys.api.post('/api/users/login', { user: { email: 'nobody@example.com', password: 'wrong-password' } });
    for (let i = 0; i < 3; i++) {
      const res = await login();
      assert.equal(res.status, 401, 'admitted, then refused by identity for the wrong password');
      assert.equal(res.headers.get('ratelimit-policy'), '"login";q=3;w=60');
      assert.equal(res.headers.get('ratelimit'), `"login";r=${2 - i};t=60`);
    }
    const refused = await login();
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('x-error-code'), 'SS_RATE_LIMITED');
    assert.ok(Number(refused.headers.get('retry-after')) >= 59);
    assert.deepEqual(refused.body, { errors: { rate: ['limit "login" exceeded'] } });
    const tags = await sys.api.get('/api/tags');
    assert.equal(tags.status, 200);
    assert.equal(tags.headers.get('ratelimit'), null, 'no policy, no headers');
  });

  it('every spelling of a limited route is the same route: trailing slash, percent-encoding, absolute form, encoded prefix', async () => {
    const variants: Array<[string, string]> = [
      ['POST', '/api/users/login/'],
      ['POST', '/api/users/logi%6E'],
      ['POST', `http://127.0.0.1/api/users/login`],
      ['POST', '/%61pi/users/login'],
      ['POST', '/api/users/login?x=1'],
    ];
    const body = JSON.stringify({ user: { email: 'nobody@example.com', password: 'wrong-password' } });
    // The login allowance is spent by the test above (or now, when run alone).
    for (let i = 0; i < 3; i++) await rawHttp(sys.url, 'POST', '/api/users/login', { body });
    for (const [method, target] of variants) {
      const res = await rawHttp(sys.url, method, target, { body });
      assert.equal(res.status, 429, `${method} ${target}: ${res.status} ${res.body}`);
    }
  });

  it('a policy on a read limits /%61pi/articles, /api/%61rticles and the absolute form as /api/articles', async () => {
    const reads = await startTestSystem(pglite, {
      RATE_LIMIT_ENABLED: true,
      RATE_LIMITS: JSON.stringify([{ name: 'list', key: 'route', limit: 2, windowSeconds: 60, methods: ['GET'], path: '^/api/articles$' }]),
    });
    try {
      assert.equal((await rawHttp(reads.url, 'GET', '/api/articles')).status, 200);
      assert.equal((await rawHttp(reads.url, 'GET', '/api/articles/')).status, 200);
      for (const target of ['/%61pi/articles', '/api/%61rticles?limit=1', 'http://127.0.0.1/api/articles', '/api/articles']) {
        const res = await rawHttp(reads.url, 'GET', target);
        assert.equal(res.status, 429, `GET ${target}: ${res.status}`);
      }
      assert.equal((await rawHttp(reads.url, 'GET', '/api/tags')).status, 200, 'other routes are not limited');
    } finally {
      await reads.close();
    }
  });
});

