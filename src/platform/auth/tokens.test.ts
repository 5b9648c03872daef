import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { createTokenService, tokenFromHeader } from './tokens.js';

const secret = 'x'.repeat(32);

describe('tokens', () => {
  const tokens = createTokenService(secret, 3600);

  it('round-trips the user id', async () => {
    assert.equal(await tokens.verify(await tokens.sign(42)), 42);
  });

  it('rejects forged, expired and malformed tokens', async () => {
    const forged = await createTokenService('y'.repeat(32), 3600).sign(42);
    assert.equal(await tokens.verify(forged), null);
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('42')
      .setIssuer('scalestack')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(new TextEncoder().encode(secret));
    assert.equal(await tokens.verify(expired), null);
    assert.equal(await tokens.verify('not.a.jwt'), null);
    assert.equal(await tokens.verify(''), null);
  });

  it('reads Token and Bearer schemes only', () => {
    assert.equal(tokenFromHeader('Token abc'), 'abc');
    assert.equal(tokenFromHeader('Bearer abc'), 'abc');
    assert.equal(tokenFromHeader('Basic abc'), null);
    assert.equal(tokenFromHeader(undefined), undefined);
  });
});
