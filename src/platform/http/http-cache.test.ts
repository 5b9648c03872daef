import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { createArticle, registerUser, type TestUser } from '../../testing/fixtures.js';

const [pglite] = await dbTargets();

describe('HTTP caching: ETag, 304, Cache-Control, Vary', () => {
  let sys: TestSystem;
  let author: TestUser;
  let reader: TestUser;
  let slug: string;

  before(async () => {
    sys = await startTestSystem(pglite!);
    author = await registerUser(sys.api);
    reader = await registerUser(sys.api);
    slug = (await createArticle(sys.api, author.token, { tagList: ['etag'] })).slug;
  });
  after(async () => {
    await sys?.close();
  });

  it('a conditional GET with a matching ETag gets 304 and no body', async () => {
    const first = await sys.api.get(`/api/articles/${slug}`);
    const etag = first.headers.get('etag');
    assert.match(etag ?? '', /^"[A-Za-z0-9_-]+"$/, 'a strong ETag');
    const again = await sys.api.get(`/api/articles/${slug}`, { headers: { 'if-none-match': etag! } });
    assert.equal(again.status, 304);
    assert.equal(again.body, null, 'no body');
    assert.equal(again.headers.get('etag'), etag);
    // Weak comparison and lists, as RFC 9110 asks of If-None-Match.
    const weak = await sys.api.get(`/api/articles/${slug}`, { headers: { 'if-none-match': `"nope", W/${etag}` } });
    assert.equal(weak.status, 304);
    const other = await sys.api.get(`/api/articles/${slug}`, { headers: { 'if-none-match': '"nope"' } });
    assert.equal(other.status, 200);
  });

  it('any change to the resource changes the ETag', async () => {
    const etagNow = async () => (await sys.api.get(`/api/articles/${slug}`)).headers.get('etag');
    const seen = new Set([await etagNow()]);
    await sys.api.post(`/api/articles/${slug}/favorite`, undefined, { token: reader.token });
    seen.add(await etagNow());
    await sys.api.put(`/api/articles/${slug}`, { article: { body: 'edited' } }, { token: author.token });
    seen.add(await etagNow());
    await sys.api.put('/api/user', { user: { bio: 'new bio' } }, { token: author.token });
    seen.add(await etagNow());
    assert.equal(seen.size, 4, 'favorite, edit and an author bio change each give a new ETag');
    const stale = await sys.api.get(`/api/articles/${slug}`, { headers: { 'if-none-match': [...seen][0]! } });
    assert.equal(stale.status, 200, 'an old ETag revalidates to the new body');
  });

  it('viewer-dependent answers revalidate every time and vary on Authorization', async () => {
    const anon = await sys.api.get(`/api/articles/${slug}`);
    assert.equal(anon.headers.get('cache-control'), 'no-cache');
    assert.equal(anon.headers.get('vary'), 'Authorization');
    const signedIn = await sys.api.get(`/api/articles/${slug}`, { token: reader.token });
    assert.equal(signedIn.headers.get('cache-control'), 'private, no-cache');
    assert.notEqual(signedIn.headers.get('etag'), anon.headers.get('etag'), 'the viewer sees favorited: true');
    for (const path of ['/api/articles', `/api/profiles/${author.username}`, `/api/articles/${slug}/comments`]) {
      const res = await sys.api.get(path);
      assert.equal(res.headers.get('vary'), 'Authorization', path);
      assert.ok(res.headers.get('etag'), path);
    }
    const feedRes = await sys.api.get('/api/articles/feed', { token: reader.token });
    assert.equal(feedRes.headers.get('cache-control'), 'private, no-cache');
  });

  it('public lists: browsers revalidate, shared caches keep them a minute, never for a signed-in caller; tokens and errors are never stored', async () => {
    const tags = await sys.api.get('/api/tags');
    assert.equal(tags.headers.get('cache-control'), 'public, max-age=0, s-maxage=60');
    assert.equal(tags.headers.get('vary'), 'Authorization');
    const signedInTags = await sys.api.get('/api/tags', { token: reader.token });
    assert.equal(signedInTags.headers.get('cache-control'), 'private, no-cache');
    assert.equal(signedInTags.headers.get('etag'), tags.headers.get('etag'), 'the same list: a 304 for either');
    const notModified = await sys.api.get('/api/tags', { headers: { 'if-none-match': tags.headers.get('etag')! } });
    assert.equal(notModified.status, 304);
    const user = await sys.api.get('/api/user', { token: reader.token });
    assert.equal(user.headers.get('cache-control'), 'no-store');
    assert.equal(user.headers.get('etag'), null);
    const missing = await sys.api.get('/api/articles/no-such-article');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('cache-control'), 'no-store');
    assert.equal(missing.headers.get('etag'), null);
  });
});
