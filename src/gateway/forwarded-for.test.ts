/** The gateway forwards X-Forwarded-For as the client it established (TRUSTED_PROXIES), never a chain a client wrote. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rawHttp } from '../testing/raw-http.js';
import { FakeUpstream } from '../testing/fake-upstream.js';
import { startTestGateway } from './gateway-test-kit.js';

const body = JSON.stringify({ user: { email: 'nobody@example.com', password: 'wrong-password' } });
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe('gateway: X-Forwarded-For inward', () => {
  it('the gateway forwards the client it established, never a chain the client wrote', async () => {
    const replica = await new FakeUpstream('a').listen();
    cleanups.push(() => replica.kill());
    const untrusting = await startTestGateway({ social: [replica.url] });
    cleanups.push(() => untrusting.close());
    await rawHttp(untrusting.url, 'POST', '/api/users/login', { body, headers: { 'x-forwarded-for': '198.51.100.66' } });
    assert.equal(replica.seen.at(-1)!.headers['x-forwarded-for'], '127.0.0.1', 'the peer, not the spoofed address');
    const behindLb = await startTestGateway({ social: [replica.url], overrides: { TRUSTED_PROXIES: '127.0.0.1' } });
    cleanups.push(() => behindLb.close());
    await rawHttp(behindLb.url, 'POST', '/api/users/login', { body, headers: { 'x-forwarded-for': '198.51.100.66' } });
    assert.equal(replica.seen.at(-1)!.headers['x-forwarded-for'], '198.51.100.66', 'behind a trusted proxy: the client it names');
  });
});
