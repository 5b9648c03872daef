/** The embedded topology (no gateway): the limiter runs as a Fastify hook, in memory, with the same headers and 429. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';

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
});
