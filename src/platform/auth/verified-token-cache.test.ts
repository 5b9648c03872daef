import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { createTokenService, type TokenService } from './tokens.js';
import { withVerifiedTokenCache } from './verified-token-cache.js';

const secret = 'x'.repeat(32);

/** The real token service, counting the verifications it is asked for. */
function counted(ttlSeconds = 3600): TokenService & { calls: () => number } {
  const inner = createTokenService(secret, ttlSeconds);
  let calls = 0;
  return { ...inner, verify: (token) => (calls++, inner.verify(token)), calls: () => calls };
}

describe('verified token cache', () => {
  it('verifies a token once, then answers from memory with the same result', async () => {
    const inner = counted();
    const tokens = withVerifiedTokenCache(inner);
    const token = await tokens.sign(42, 3);
    assert.deepEqual(await tokens.verify(token), { userId: 42, version: 3, roles: ['customer'] });
    assert.deepEqual(await tokens.verify(token), { userId: 42, version: 3, roles: ['customer'] });
    assert.equal(inner.calls(), 1);
  });

  it('refuses a cached token once it has expired', async () => {
    // exp is in whole seconds (floor(now) + 2), so the token is good for more than 1 s and at most 2 s:
    // a 1 s lifetime could already be over at the first verify, when signed just before a second's end.
    const tokens = withVerifiedTokenCache(counted(2));
    const token = await tokens.sign(7);
    assert.deepEqual(await tokens.verify(token), { userId: 7, version: 0, roles: ['customer'] });
    const expiresAtMs = decodeJwt(token).exp! * 1000;
    await new Promise((resolve) => setTimeout(resolve, expiresAtMs - Date.now() + 50));
    assert.equal(await tokens.verify(token), null);
  });

  it('reuses a verification no longer than maxAgeMs', async () => {
    let clock = 1_000_000;
    const inner = counted();
    const tokens = withVerifiedTokenCache(inner, { maxAgeMs: 1000, now: () => clock });
    const token = await tokens.sign(5);
    await tokens.verify(token);
    clock += 999;
    await tokens.verify(token);
    assert.equal(inner.calls(), 1);
    clock += 1;
    await tokens.verify(token);
    assert.equal(inner.calls(), 2);
  });

  it('keeps no forged token: each is checked again, and refused', async () => {
    const inner = counted();
    const tokens = withVerifiedTokenCache(inner);
    const forged = await createTokenService('y'.repeat(32), 3600).sign(42);
    assert.equal(await tokens.verify(forged), null);
    assert.equal(await tokens.verify(forged), null);
    assert.equal(inner.calls(), 2);
  });

  it('is bounded in bytes: the least recently used token is verified again', async () => {
    const inner = counted();
    const first = await inner.sign(1);
    // Room for about two tokens.
    const tokens = withVerifiedTokenCache(inner, { maxBytes: 2 * (first.length + 96) + 10 });
    await tokens.verify(first);
    await tokens.verify(await inner.sign(2));
    await tokens.verify(await inner.sign(3));
    assert.equal(inner.calls(), 3);
    await tokens.verify(first);
    assert.equal(inner.calls(), 4);
  });
});
