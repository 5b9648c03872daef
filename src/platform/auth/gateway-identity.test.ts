import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bodyDigest, EMPTY_BODY_DIGEST, identityHeaders, sign, verify, verifiedUserId, type SignedRequest } from './gateway-identity.js';

const secret = 'x'.repeat(40);
const post: SignedRequest = { method: 'POST', path: '/api/articles', bodyDigest: bodyDigest('{"article":{"title":"a"}}') };

describe('gateway identity signatures', () => {
  it('round-trips a user id, and refuses a wrong secret, another id, a missing or malformed signature', () => {
    const h = identityHeaders(secret, 42, post);
    assert.equal(verifiedUserId(secret, h['x-user-id'], h['x-user-sig'], post), 42);
    assert.equal(h['x-content-sha256'], post.bodyDigest);
    assert.equal(verifiedUserId('y'.repeat(40), h['x-user-id'], h['x-user-sig'], post), null);
    assert.equal(verifiedUserId(secret, '43', h['x-user-sig'], post), null);
    assert.equal(verifiedUserId(undefined, h['x-user-id'], h['x-user-sig'], post), null, 'no secret: nothing is trusted');
    assert.equal(verifiedUserId(secret, '42', undefined, post), null);
    assert.equal(verifiedUserId(secret, '42', 'garbage', post), null);
    assert.equal(verifiedUserId(secret, '0042', h['x-user-sig'], post), null);
    assert.equal(verify(secret, 'internal', sign(secret, 'internal', post), post), true);
  });

  it('a signature replayed on another method, path, query or body is refused', () => {
    const sig = sign(secret, '42', post);
    const replays: Array<[string, SignedRequest]> = [
      ['another method', { ...post, method: 'PUT' }],
      ['another path', { ...post, path: '/api/articles/x/comments' }],
      ['another service', { ...post, path: '/api/user' }],
      ['another query', { ...post, path: '/api/articles?x=1' }],
      ['another body', { ...post, bodyDigest: bodyDigest('{"article":{"title":"b"}}') }],
      ['no body', { ...post, bodyDigest: EMPTY_BODY_DIGEST }],
    ];
    for (const [what, request] of replays) assert.equal(verify(secret, '42', sig, request), false, what);
    assert.equal(verify(secret, '42', sig, { ...post, method: 'post' }), true, 'method case is not a new request');
  });

  it('refuses a signature older than the window or more than the skew in the future; both configurable', () => {
    const now = Date.now();
    assert.equal(verify(secret, '42', sign(secret, '42', post, now - 9_000), post, undefined, now), true, '9 s old: inside the default 10 s');
    assert.equal(verify(secret, '42', sign(secret, '42', post, now - 11_000), post, undefined, now), false, '11 s old');
    assert.equal(verify(secret, '42', sign(secret, '42', post, now - 59_000), post, undefined, now), false, '59 s old (accepted before)');
    assert.equal(verify(secret, '42', sign(secret, '42', post, now + 1_500), post, undefined, now), true, '1.5 s ahead: clock slack');
    assert.equal(verify(secret, '42', sign(secret, '42', post, now + 3_000), post, undefined, now), false, '3 s ahead');
    assert.equal(verify(secret, '42', sign(secret, '42', post, now + 59_000), post, undefined, now), false, '59 s ahead (accepted before)');
    const wide = { maxAgeMs: 30_000, maxFutureMs: 5_000 };
    assert.equal(verify(secret, '42', sign(secret, '42', post, now - 20_000), post, wide, now), true);
    assert.equal(verify(secret, '42', sign(secret, '42', post, now + 4_000), post, wide, now), true);
  });
});
