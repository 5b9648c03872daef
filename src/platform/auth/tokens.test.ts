import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { createTokenService, tokenFromHeader } from './tokens.js';

const secret = 'x'.repeat(32);
const key = new TextEncoder().encode(secret);

describe('tokens', () => {
  const tokens = createTokenService(secret, 3600);

  it('round-trips the user id and the token version', async () => {
    assert.deepEqual(await tokens.verify(await tokens.sign(42)), { userId: 42, version: 0, roles: ['customer'] });
    assert.deepEqual(await tokens.verify(await tokens.sign(42, 3, ['customer', 'admin'])), { userId: 42, version: 3, roles: ['customer', 'admin'] });
  });

  it('rejects forged, expired and malformed tokens', async () => {
    const forged = await createTokenService('y'.repeat(32), 3600).sign(42);
    assert.equal(await tokens.verify(forged), null);
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('42')
      .setIssuer('scalestack')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(key);
    assert.equal(await tokens.verify(expired), null);
    assert.equal(await tokens.verify('not.a.jwt'), null);
    assert.equal(await tokens.verify(''), null);
  });

  it('rejects a validly signed token without exp (it would never expire)', async () => {
    const eternal = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('42').setIssuer('scalestack').setIssuedAt().sign(key);
    assert.equal(await tokens.verify(eternal), null);
  });

  it('reads a token without `ver` (signed before versions existed) as version 0; refuses a malformed version', async () => {
    const legacy = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('42').setIssuer('scalestack').setExpirationTime('1h').sign(key);
    assert.deepEqual(await tokens.verify(legacy), { userId: 42, version: 0, roles: ['customer'] }, 'no roles claim: a customer');
    const odd = await new SignJWT({ ver: 'x' }).setProtectedHeader({ alg: 'HS256' }).setSubject('42').setIssuer('scalestack').setExpirationTime('1h').sign(key);
    assert.equal(await tokens.verify(odd), null);
  });

  it('refuses to sign with a secret under 32 bytes', () => {
    assert.throws(() => createTokenService('', 3600), /at least 32 bytes/);
    assert.throws(() => createTokenService('k', 3600), /at least 32 bytes/);
  });

  it('reads Token and Bearer schemes only', () => {
    assert.equal(tokenFromHeader('Token abc'), 'abc');
    assert.equal(tokenFromHeader('Bearer abc'), 'abc');
    assert.equal(tokenFromHeader('Basic abc'), null);
    assert.equal(tokenFromHeader(undefined), undefined);
  });
});
