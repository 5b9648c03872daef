import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { identityHeaders, sign, verify, verifiedUserId } from './gateway-identity.js';

const secret = 'x'.repeat(40);

describe('gateway identity signatures', () => {
  it('round-trips a user id, and refuses a wrong secret, another id, a stale or malformed signature', () => {
    const h = identityHeaders(secret, 42);
    assert.equal(verifiedUserId(secret, h['x-user-id'], h['x-user-sig']), 42);
    assert.equal(verifiedUserId('y'.repeat(40), h['x-user-id'], h['x-user-sig']), null);
    assert.equal(verifiedUserId(secret, '43', h['x-user-sig']), null);
    assert.equal(verifiedUserId(undefined, h['x-user-id'], h['x-user-sig']), null, 'no secret: nothing is trusted');
    assert.equal(verifiedUserId(secret, '42', undefined), null);
    assert.equal(verifiedUserId(secret, '42', 'garbage'), null);
    assert.equal(verifiedUserId(secret, '0042', h['x-user-sig']), null);
    const old = sign(secret, '42', Date.now() - 120_000);
    assert.equal(verify(secret, '42', old), false, 'older than a minute');
    assert.equal(verify(secret, 'internal', sign(secret, 'internal')), true);
  });
});
