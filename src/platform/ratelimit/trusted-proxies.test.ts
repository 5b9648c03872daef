/**
 * Per-IP limits apply per real client behind a trusted proxy (a gateway, a
 * load balancer: TRUSTED_PROXIES), and a client cannot buy a fresh
 * allowance by writing X-Forwarded-For itself when its peer is not trusted.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { rawHttp } from '../../testing/raw-http.js';

const pglite = (await dbTargets()).find((t) => t.name === 'pglite')!;
const LIMITS = JSON.stringify([{ name: 'login', key: 'ip', limit: 2, windowSeconds: 60, methods: ['POST'], path: '^/api/users/login$' }]);
const body = JSON.stringify({ user: { email: 'nobody@example.com', password: 'wrong-password' } });
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});
async function system(trusted: string | undefined): Promise<TestSystem> {
  const sys = await startTestSystem(pglite, { RATE_LIMIT_ENABLED: true, RATE_LIMITS: LIMITS, ...(trusted ? { TRUSTED_PROXIES: trusted } : {}) });
  cleanups.push(() => sys.close());
  return sys;
}
const login = (url: string, forwardedFor: string) => rawHttp(url, 'POST', '/api/users/login', { body, headers: { 'x-forwarded-for': forwardedFor } });

describe('trusted proxies and per-IP limits', () => {
  it('behind a trusted proxy, each client named by X-Forwarded-For has its own allowance', async () => {
    const sys = await system('127.0.0.1');
    for (let i = 0; i < 2; i++) assert.equal((await login(sys.url, '203.0.113.1')).status, 401);
    assert.equal((await login(sys.url, '203.0.113.1')).status, 429, 'the first client is limited');
    assert.equal((await login(sys.url, '203.0.113.2')).status, 401, 'another client behind the same proxy is not');
  });

  it('from an untrusted peer, X-Forwarded-For is ignored: no fresh allowance by writing it', async () => {
    for (const trusted of [undefined, '10.255.255.1']) {
      const sys = await system(trusted);
      for (let i = 0; i < 2; i++) assert.equal((await login(sys.url, `198.51.100.${i}`)).status, 401);
      for (const spoof of ['198.51.100.7', '198.51.100.8, 10.255.255.1', '127.0.0.2']) {
        assert.equal((await login(sys.url, spoof)).status, 429, `TRUSTED_PROXIES=${trusted}: X-Forwarded-For ${spoof}`);
      }
    }
  });
});
