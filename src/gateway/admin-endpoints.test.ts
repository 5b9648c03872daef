/**
 * The gateway faces clients: /metrics and /gateway/upstreams (it lists
 * internal URLs) answer only the admin token; health stays public.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeUpstream } from '../testing/fake-upstream.js';
import { rawRequest } from '../testing/cli-process.js';
import { startTestGateway } from './gateway-test-kit.js';

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});
const TOKEN = 'a'.repeat(32);

describe('gateway admin endpoints', () => {
  it('refuse a request without the admin token, or with a wrong one (401); answer the right one', async () => {
    const a = await new FakeUpstream('a').listen();
    cleanups.push(() => a.kill());
    const g = await startTestGateway({ social: [a.url], overrides: { ADMIN_TOKEN: TOKEN } });
    cleanups.push(() => g.close());
    for (const path of ['/metrics', '/gateway/upstreams']) {
      const none = await rawRequest(g.url, 'GET', path);
      assert.equal(none.status, 401, `${path} without a token`);
      assert.equal(none.headers['x-error-code'], 'SS_TOKEN_MISSING');
      assert.doesNotMatch(JSON.stringify(none.body), /127\.0\.0\.1/, 'no internal URL leaks');
      assert.equal((await rawRequest(g.url, 'GET', path, undefined, { authorization: `Bearer ${'b'.repeat(32)}` })).status, 401, `${path} wrong token`);
      assert.equal((await rawRequest(g.url, 'GET', path, undefined, { authorization: `Token ${TOKEN}` })).status, 401, `${path} wrong scheme`);
      assert.equal((await rawRequest(g.url, 'GET', path, undefined, { authorization: `Bearer ${TOKEN}` })).status, 200, `${path} with the token`);
    }
    assert.equal((await rawRequest(g.url, 'GET', '/readyz')).status, 200, 'health stays public');
    assert.equal((await rawRequest(g.url, 'GET', '/healthz')).status, 200);
  });

  it('without ADMIN_TOKEN configured, they are refused to everyone', async () => {
    const g = await startTestGateway({ social: [] });
    cleanups.push(() => g.close());
    for (const path of ['/metrics', '/gateway/upstreams']) {
      assert.equal((await rawRequest(g.url, 'GET', path)).status, 401, path);
      assert.equal((await rawRequest(g.url, 'GET', path, undefined, { authorization: 'Bearer undefined' })).status, 401, path);
    }
  });
});
