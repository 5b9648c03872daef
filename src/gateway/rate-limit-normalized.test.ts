/**
 * The gateway limits and routes the same thing: the matched route, spelled
 * canonically. Every spelling of the login route is limited with it (memory
 * and Redis stores), reaches the replica as the canonical path, and no
 * encoded slash or dot segment climbs out of its route.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeUpstream } from '../testing/fake-upstream.js';
import { rawHttp } from '../testing/raw-http.js';
import { sleep } from '../testing/cli-process.js';
import { redisUnavailable, TEST_REDIS_URL } from '../testing/redis-probe.js';
import { skipUnlessAvailable } from '../testing/services-required.js';
import { startTestGateway, TEST_ROUTES } from './gateway-test-kit.js';
import type { GatewayRoute } from './route-table.js';

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

const ROUTES: GatewayRoute[] = [
  ...TEST_ROUTES,
  { method: 'GET', path: '/api/articles', service: 'social', auth: 'optional' },
  { method: 'GET', path: '/api/articles/:slug', service: 'social', auth: 'optional' },
  { method: 'GET', path: '/api/articles/:slug/comments', service: 'social', auth: 'optional' },
];
const LOGIN_VARIANTS = ['/api/users/login/', '/api/users/logi%6E', 'http://127.0.0.1/api/users/login', '/%61pi/users/login', '/api/users/login?next=1'];
const body = JSON.stringify({ user: { email: 'a@b.c', password: 'x' } });

async function setUp(store: 'memory' | 'redis', limits = true) {
  const replica = await new FakeUpstream('a').listen();
  cleanups.push(() => replica.kill());
  const name = `login${store}${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
  const g = await startTestGateway({
    social: [replica.url],
    routes: ROUTES,
    overrides: {
      RATE_LIMIT_ENABLED: limits,
      RATE_LIMITS: JSON.stringify([
        { name, key: 'ip', limit: 2, windowSeconds: 60, methods: ['POST'], path: '^/api/users/login$' },
        { name: `${name}list`, key: 'route', limit: 2, windowSeconds: 60, methods: ['GET'], path: '^/api/articles$' },
      ]),
      ...(store === 'redis' ? { REDIS_URL: TEST_REDIS_URL } : {}),
    },
  });
  cleanups.push(() => g.close());
  // Until the Redis store is connected the local insurance limiter answers; counts would then start over in Redis.
  if (store === 'redis') await sleep(500);
  return { g, replica };
}

for (const store of ['memory', 'redis'] as const) {
  const options = store === 'redis' ? skipUnlessAvailable(await redisUnavailable()) : {};
  describe(`gateway rate limits key on the canonical route (${store} store)`, options, () => {
    it('after the login limit trips, every spelling of POST /api/users/login is a 429', async () => {
      const { g } = await setUp(store);
      for (let i = 0; i < 2; i++) assert.equal((await rawHttp(g.url, 'POST', '/api/users/login', { body })).status, 200);
      assert.equal((await rawHttp(g.url, 'POST', '/api/users/login', { body })).status, 429);
      for (const target of LOGIN_VARIANTS) {
        const res = await rawHttp(g.url, 'POST', target, { body });
        assert.equal(res.status, 429, `POST ${target}: ${res.status} ${res.body}`);
      }
    });

    it('GET /%61pi/articles spends and meets the /api/articles allowance', async () => {
      const { g } = await setUp(store);
      assert.equal((await rawHttp(g.url, 'GET', '/%61pi/articles')).status, 200);
      assert.equal((await rawHttp(g.url, 'GET', '/api/articles/')).status, 200);
      for (const target of ['/api/articles', '/%61pi/articles', 'http://127.0.0.1/api/%61rticles']) {
        assert.equal((await rawHttp(g.url, 'GET', target)).status, 429, `GET ${target}`);
      }
    });
  });
}

describe('gateway routing uses the same canonical path', () => {
  it('every spelling reaches the replica as the canonical path, query kept', async () => {
    const { g, replica } = await setUp('memory', false);
    const cases: Array<[string, string]> = [
      ['/api/users/login/', '/api/users/login'],
      ['/api/users/logi%6E', '/api/users/login'],
      ['http://127.0.0.1/api/users/login?x=1', '/api/users/login?x=1'],
    ];
    for (const [target, expected] of cases) {
      replica.seen.length = 0;
      const res = await rawHttp(g.url, 'POST', target, { body });
      assert.equal(res.status, 200, target);
      assert.equal(replica.seen[0]?.url, expected, `POST ${target}`);
    }
    replica.seen.length = 0;
    assert.equal((await rawHttp(g.url, 'GET', '/%61pi/articles?limit=1')).status, 200);
    assert.equal(replica.seen[0]?.url, '/api/articles?limit=1');
  });

  it('encoded slashes and dot segments stay inside their parameter; plain dot segments are a 404 at the edge', async () => {
    const { g, replica } = await setUp('memory', false);
    const cases: Array<[string, string]> = [
      ['/api/articles/..%2F..%2Finternal%2Fidentity%2Fusers', '/api/articles/..%2F..%2Finternal%2Fidentity%2Fusers'],
      ['/api/articles/%2e%2e/comments', '/api/articles/%2E%2E/comments'],
      ['/api/articles/%2E', '/api/articles/%2E'],
      ['/api/articles/a%2fb', '/api/articles/a%2Fb'],
    ];
    for (const [target, expected] of cases) {
      replica.seen.length = 0;
      const res = await rawHttp(g.url, 'GET', target);
      assert.equal(res.status, 200, target);
      assert.equal(replica.seen[0]?.url, expected, `GET ${target}`);
    }
    replica.seen.length = 0;
    for (const target of ['/api/articles/../../internal/identity/users', '/api/articles/x/../../../internal/identity/users?ids=1', '/api/%2E%2E/internal/identity/users']) {
      assert.equal((await rawHttp(g.url, 'GET', target)).status, 404, target);
    }
    assert.deepEqual(replica.seen, [], 'nothing escaped to the replica');
  });
});
