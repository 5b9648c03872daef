import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, cacheStores, interceptors, request, type Dispatcher } from 'undici';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import type { ApiResponse } from '../../testing/api-client.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { addComment, assertError, createArticle, follow, registerUser, unique, type TestUser } from '../../testing/fixtures.js';

/**
 * What real RealWorld front ends need from the API (issue 12, items 7 and 8):
 * CORS for a page on another origin, an empty JSON body where a route takes
 * none, security headers on every answer, strict numbers and URLs, and HTTP
 * caching that never hides the user's own writes from their browser.
 */
const [pglite] = await dbTargets();
const ORIGIN = 'http://localhost:4200';

/** A preflight as a browser sends it before a cross-origin POST with a JSON body and a token. */
const preflight = (sys: TestSystem, path: string, origin = ORIGIN, method = 'POST') =>
  sys.api.request('OPTIONS', path, undefined, {
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type,authorization' },
  });

function assertSecurityHeaders(res: ApiResponse, what: string): void {
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(res.headers.get('x-frame-options'), 'DENY', what);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer', what);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/, `${what}: CSP ${csp}`);
  assert.match(csp, /frame-ancestors 'none'/, `${what}: CSP ${csp}`);
}

describe('browser clients on another origin [pglite]', () => {
  let sys: TestSystem;
  let author: TestUser;
  let reader: TestUser;
  before(async () => {
    sys = await startTestSystem(pglite!);
    author = await registerUser(sys.api);
    reader = await registerUser(sys.api);
  });
  after(async () => {
    await sys?.close();
  });

  describe('CORS (CORS_ORIGINS=* by default)', () => {
    it('a preflight for POST /api/users/login with content-type and authorization is a 204 allowing them', async () => {
      const res = await preflight(sys, '/api/users/login');
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
      assert.match(res.headers.get('access-control-allow-methods') ?? '', /DELETE/);
      assert.match(res.headers.get('access-control-allow-headers') ?? '', /authorization/i);
      assert.match(res.headers.get('access-control-allow-headers') ?? '', /content-type/i);
      assert.equal(res.headers.get('access-control-allow-credentials'), null, 'bearer tokens: no credentials mode');
      assert.equal(res.headers.get('access-control-max-age'), '600');
    });

    it('a preflight for a route that needs a user (DELETE favorite) is answered before auth', async () => {
      const res = await preflight(sys, '/api/articles/some-slug/favorite', ORIGIN, 'DELETE');
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
    });

    it('answers, errors included, carry Access-Control-Allow-Origin and expose ETag, RateLimit, x-request-id', async () => {
      const answers = [
        await sys.api.post('/api/users/login', { user: { email: author.email, password: author.password } }, { headers: { origin: ORIGIN } }),
        await sys.api.get('/api/tags', { headers: { origin: ORIGIN } }),
        await sys.api.get('/api/user', { headers: { origin: ORIGIN } }), // 401
        await sys.api.get('/api/nope', { headers: { origin: ORIGIN } }), // 404
        await sys.api.post('/api/users', { user: {} }, { headers: { origin: ORIGIN } }), // 422
      ];
      assert.deepEqual(answers.map((r) => r.status), [200, 200, 401, 404, 422]);
      for (const res of answers) {
        assert.equal(res.headers.get('access-control-allow-origin'), '*', String(res.status));
        const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase();
        for (const name of ['etag', 'ratelimit', 'ratelimit-policy', 'retry-after', 'x-request-id', 'x-error-code']) {
          assert.ok(exposed.split(/,\s*/).includes(name), `${res.status}: ${name} exposed (${exposed})`);
        }
      }
    });
  });

  describe('an empty body with Content-Type: application/json', () => {
    const empty = { rawBody: '' };
    it('is accepted on favorite, unfavorite, follow, unfollow and the DELETEs (routes that take no body)', async () => {
      const a = await createArticle(sys.api, author.token);
      const fav = await sys.api.post(`/api/articles/${a.slug}/favorite`, undefined, { ...empty, token: reader.token });
      assert.equal(fav.status, 200, JSON.stringify(fav.body));
      assert.equal(fav.body.article.favorited, true);
      const unfav = await sys.api.request('DELETE', `/api/articles/${a.slug}/favorite`, undefined, { ...empty, token: reader.token });
      assert.equal(unfav.status, 200, JSON.stringify(unfav.body));
      assert.equal(unfav.body.article.favorited, false);
      const fol = await sys.api.post(`/api/profiles/${author.username}/follow`, undefined, { ...empty, token: reader.token });
      assert.equal(fol.status, 200, JSON.stringify(fol.body));
      assert.equal(fol.body.profile.following, true);
      const unfol = await sys.api.request('DELETE', `/api/profiles/${author.username}/follow`, undefined, { ...empty, token: reader.token });
      assert.equal(unfol.status, 200, JSON.stringify(unfol.body));
      assert.equal(unfol.body.profile.following, false);
      const comment = await addComment(sys.api, reader.token, a.slug);
      const delComment = await sys.api.request('DELETE', `/api/articles/${a.slug}/comments/${comment.id}`, undefined, { ...empty, token: reader.token });
      assert.equal(delComment.status, 204, JSON.stringify(delComment.body));
      const delArticle = await sys.api.request('DELETE', `/api/articles/${a.slug}`, undefined, { ...empty, token: author.token });
      assert.equal(delArticle.status, 204, JSON.stringify(delArticle.body));
      assert.equal((await sys.api.get(`/api/articles/${a.slug}`)).status, 404);
    });

    it('is still 400 "body: is not valid JSON" where a body is required', async () => {
      const a = await createArticle(sys.api, author.token);
      assertError(await sys.api.post('/api/users', undefined, empty), 400, 'body', 'is not valid JSON');
      assertError(await sys.api.post('/api/users/login', undefined, empty), 400, 'body', 'is not valid JSON');
      assertError(await sys.api.post('/api/articles', undefined, { ...empty, token: author.token }), 400, 'body', 'is not valid JSON');
      assertError(await sys.api.put(`/api/articles/${a.slug}`, undefined, { ...empty, token: author.token }), 400, 'body', 'is not valid JSON');
      assertError(await sys.api.post(`/api/articles/${a.slug}/comments`, undefined, { ...empty, token: author.token }), 400, 'body', 'is not valid JSON');
      assertError(await sys.api.put('/api/user', undefined, { ...empty, token: author.token }), 400, 'body', 'is not valid JSON');
    });

    it('a malformed body is still 400 on a route that takes none', async () => {
      const a = await createArticle(sys.api, author.token);
      assertError(await sys.api.post(`/api/articles/${a.slug}/favorite`, undefined, { rawBody: '{', token: reader.token }), 400, 'body', 'is not valid JSON');
      assert.equal((await sys.api.get(`/api/articles/${a.slug}`)).body.article.favoritesCount, 0, 'nothing written');
    });
  });

  describe('security headers', () => {
    it('every answer (JSON, error, 304, preflight) carries nosniff, X-Frame-Options, Referrer-Policy and a locked-down CSP', async () => {
      const tags = await sys.api.get('/api/tags');
      const answers: Array<[string, ApiResponse]> = [
        ['GET /api/tags', tags],
        ['304', await sys.api.get('/api/tags', { headers: { 'if-none-match': tags.headers.get('etag')! } })],
        ['login', await sys.api.post('/api/users/login', { user: { email: author.email, password: author.password } })],
        ['401', await sys.api.get('/api/user')],
        ['404', await sys.api.get('/api/nope')],
        ['422', await sys.api.get('/api/articles?limit=0')],
        ['preflight', await preflight(sys, '/api/articles')],
        ['/healthz', await sys.api.get('/healthz')],
      ];
      assert.equal(answers[1]![1].status, 304);
      for (const [what, res] of answers) assertSecurityHeaders(res, what);
    });
  });

  describe('strict decimal integers in queries and paths', () => {
    // Decided: ASCII digits only, an optional leading minus (so -1 is a range error, not a type error),
    // no leading zeros, no sign +, no spaces, no exponent, fraction, hex, octal, binary or digit separators.
    const notIntegers = ['0x10', '1e3', ' 10', '10 ', '+5', '10.0', '-0', '010', '0b1', '0o7', '1_0', '', '٣', 'Infinity', 'NaN'];

    it('limit and offset: each non-decimal spelling is a 422 keyed by the field; plain decimals pass', async () => {
      const problems: string[] = [];
      for (const field of ['limit', 'offset']) {
        for (const raw of notIntegers) {
          const res = await sys.api.get(`/api/articles?${field}=${encodeURIComponent(raw)}`);
          if (res.status !== 422 || !res.body?.errors?.[field]) problems.push(`${field}=${JSON.stringify(raw)} -> ${res.status} ${JSON.stringify(res.body).slice(0, 80)}`);
        }
      }
      assert.deepEqual(problems, []);
      assert.equal((await sys.api.get('/api/articles?limit=10&offset=0')).status, 200);
      assert.equal((await sys.api.get('/api/articles/feed?limit=5&offset=3', { token: reader.token })).status, 200);
      assertError(await sys.api.get('/api/articles/feed?limit=0x10', { token: reader.token }), 422, 'limit');
      assertError(await sys.api.get('/api/articles?offset=-1'), 422, 'offset');
    });

    it('a comment id: each non-decimal spelling is a 422 keyed "id" and deletes nothing; the decimal id works', async () => {
      const a = await createArticle(sys.api, author.token);
      const comment = await addComment(sys.api, author.token, a.slug);
      const spellings = [`0x${comment.id.toString(16)}`, `${comment.id}.0`, `+${comment.id}`, `0${comment.id}`, `${comment.id}e0`, ` ${comment.id}`];
      const problems: string[] = [];
      for (const raw of spellings) {
        const res = await sys.api.delete(`/api/articles/${a.slug}/comments/${encodeURIComponent(raw)}`, { token: author.token });
        if (res.status !== 422 || !res.body?.errors?.id) problems.push(`${JSON.stringify(raw)} -> ${res.status} ${JSON.stringify(res.body).slice(0, 80)}`);
      }
      assert.deepEqual(problems, []);
      assert.equal((await sys.api.get(`/api/articles/${a.slug}/comments`)).body.comments.length, 1, 'nothing deleted');
      assert.equal((await sys.api.delete(`/api/articles/${a.slug}/comments/${comment.id}`, { token: author.token })).status, 204);
    });
  });

  describe('profile image URLs', () => {
    it('PUT /api/user accepts http(s) URLs, "" and null', async () => {
      const u = await registerUser(sys.api);
      for (const image of ['https://example.com/me.jpg', 'http://cdn.example.org:8080/a/b.png?x=1#y', 'HTTPS://EXAMPLE.COM/ME.JPG']) {
        const res = await sys.api.put('/api/user', { user: { image } }, { token: u.token });
        assert.equal(res.status, 200, `${image}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.user.image, image);
      }
      assert.equal((await sys.api.put('/api/user', { user: { image: '' } }, { token: u.token })).body.user.image, null);
      assert.equal((await sys.api.put('/api/user', { user: { image: null } }, { token: u.token })).body.user.image, null);
    });

    it('anything else is a 422 keyed "image" and changes nothing', async () => {
      const u = await registerUser(sys.api);
      const kept = 'https://example.com/kept.png';
      assert.equal((await sys.api.put('/api/user', { user: { image: kept } }, { token: u.token })).status, 200);
      const bad = [
        'javascript:alert(1)',
        ' javascript:alert(1)',
        'JaVaScRiPt:alert(1)',
        'data:image/png;base64,iVBORw0KGgo=',
        'vbscript:msgbox',
        'file:///etc/passwd',
        'ftp://example.com/a.png',
        '/relative/me.png',
        'me.png',
        '//example.com/me.png',
        'https://',
        'https:///path',
        'https://exa mple.com/a.png',
        'https://example.com/a.png\njavascript:alert(1)',
        `https://example.com/${'a'.repeat(2048)}`,
      ];
      const problems: string[] = [];
      for (const image of bad) {
        const res = await sys.api.put('/api/user', { user: { image } }, { token: u.token });
        if (res.status !== 422 || !res.body?.errors?.image) problems.push(`${JSON.stringify(image).slice(0, 60)} -> ${res.status} ${JSON.stringify(res.body).slice(0, 80)}`);
      }
      assert.deepEqual(problems, []);
      assertError(await sys.api.put('/api/user', { user: { image: 'javascript:alert(1)' } }, { token: u.token }), 422, 'image', 'must be an http(s) URL');
      assert.equal((await sys.api.get('/api/user', { token: u.token })).body.user.image, kept);
    });
  });
});

describe('CORS_ORIGINS narrowed to a list, or none [pglite]', () => {
  let listed: TestSystem;
  let none: TestSystem;
  before(async () => {
    listed = await startTestSystem(pglite!, { CORS_ORIGINS: `https://app.example, ${ORIGIN}` });
    none = await startTestSystem(pglite!, { CORS_ORIGINS: 'none' });
  });
  after(async () => {
    await listed?.close();
    await none?.close();
  });

  it('a listed origin is echoed, with Vary: Origin kept beside the cache policy\'s Vary: Authorization', async () => {
    const pre = await preflight(listed, '/api/users/login');
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), ORIGIN);
    const res = await listed.api.get('/api/articles', { headers: { origin: 'https://app.example' } });
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example');
    const vary = (res.headers.get('vary') ?? '').toLowerCase().split(/,\s*/);
    assert.ok(vary.includes('origin') && vary.includes('authorization'), `vary: ${res.headers.get('vary')}`);
  });

  it('an origin not listed gets no Access-Control-Allow-Origin, on preflights or answers', async () => {
    const pre = await preflight(listed, '/api/users/login', 'https://evil.example');
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
    const res = await listed.api.get('/api/tags', { headers: { origin: 'https://evil.example' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  it('CORS_ORIGINS must be *, none or a list of origins (scheme://host[:port], nothing after)', () => {
    for (const good of ['*', 'none', 'https://app.example', 'https://a.example, http://localhost:4200']) {
      assert.equal(loadConfig({ CORS_ORIGINS: good }).CORS_ORIGINS, good);
    }
    for (const bad of ['https://app.example/', 'app.example', '*,https://a.example', 'https://a.example;https://b.example', 'javascript:alert(1)']) {
      assert.throws(() => loadConfig({ CORS_ORIGINS: bad }), ConfigError, bad);
    }
  });

  it('none: no CORS at all; a preflight is a plain OPTIONS (204 with Allow), with no Access-Control header for the browser', async () => {
    const pre = await preflight(none, '/api/users/login');
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('allow'), 'POST, OPTIONS');
    assert.deepEqual([...pre.headers.keys()].filter((h) => h.startsWith('access-control-')), []);
    assertError(await preflight(none, '/api/nope'), 404, 'route', 'not found');
    assert.equal((await none.api.get('/api/tags', { headers: { origin: ORIGIN } })).headers.get('access-control-allow-origin'), null);
  });
});

/**
 * Read-your-writes through real HTTP caches: undici's RFC 9111 cache as a
 * browser's (private) and as a CDN's (shared). Each route class: prime the
 * cache, write, read again through the cache: the new data is there.
 */
describe('HTTP caching never hides your own writes [pglite]', () => {
  let sys: TestSystem;
  let author: TestUser;
  let reader: TestUser;
  const agents: Dispatcher[] = [];
  const cache = (type: 'private' | 'shared') => {
    const agent = new Agent().compose(interceptors.cache({ store: new cacheStores.MemoryCacheStore(), type, methods: ['GET'] }));
    agents.push(agent);
    return agent;
  };
  const read = async (via: Dispatcher, path: string, token?: string) => {
    const res = await request(new URL(path, sys.url), { dispatcher: via, headers: token ? { authorization: `Token ${token}` } : {} });
    assert.equal(res.statusCode, 200, path);
    return (await res.body.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  };

  before(async () => {
    sys = await startTestSystem(pglite!);
    author = await registerUser(sys.api);
    reader = await registerUser(sys.api);
  });
  after(async () => {
    for (const agent of agents) await agent.close();
    await sys?.close();
  });

  it('tags (the same for everyone): a signed-in browser sees the tag it just published', async () => {
    const browser = cache('private');
    const tag = unique('tag');
    assert.ok(!(await read(browser, '/api/tags', author.token)).tags.includes(tag));
    await createArticle(sys.api, author.token, { tagList: [tag] });
    assert.ok((await read(browser, '/api/tags', author.token)).tags.includes(tag), 'the new tag, not a cached list');
  });

  it('tags: an anonymous browser revalidates too; a CDN may keep the list, but never serves it to the signed-in writer', async () => {
    const browser = cache('private');
    const cdn = cache('shared');
    const tag = unique('tag');
    await read(browser, '/api/tags');
    await read(cdn, '/api/tags');
    await createArticle(sys.api, author.token, { tagList: [tag] });
    assert.ok((await read(browser, '/api/tags')).tags.includes(tag), 'anonymous browser');
    assert.ok((await read(cdn, '/api/tags', author.token)).tags.includes(tag), 'the writer, through the CDN');
    const policy = (await sys.api.get('/api/tags')).headers;
    assert.match(policy.get('cache-control') ?? '', /s-maxage=\d+/, 'shared caches may keep it');
    assert.match(policy.get('vary') ?? '', /authorization/i);
  });

  it('an article (viewer-dependent): a favorite shows at once', async () => {
    const browser = cache('private');
    const a = await createArticle(sys.api, author.token);
    assert.equal((await read(browser, `/api/articles/${a.slug}`, reader.token)).article.favorited, false);
    await sys.api.post(`/api/articles/${a.slug}/favorite`, undefined, { token: reader.token });
    const after = (await read(browser, `/api/articles/${a.slug}`, reader.token)).article;
    assert.deepEqual([after.favorited, after.favoritesCount], [true, 1]);
  });

  it('the article list: a new article shows at once', async () => {
    const browser = cache('private');
    const before = (await read(browser, '/api/articles', author.token)).articlesCount as number;
    const a = await createArticle(sys.api, author.token);
    const list = await read(browser, '/api/articles', author.token);
    assert.equal(list.articlesCount, before + 1);
    assert.equal(list.articles[0].slug, a.slug);
  });

  it('a profile: a follow shows at once', async () => {
    const browser = cache('private');
    assert.equal((await read(browser, `/api/profiles/${author.username}`, reader.token)).profile.following, false);
    await follow(sys.api, reader.token, author.username);
    assert.equal((await read(browser, `/api/profiles/${author.username}`, reader.token)).profile.following, true);
  });

  it('comments: a new comment shows at once', async () => {
    const browser = cache('private');
    const a = await createArticle(sys.api, author.token);
    assert.equal((await read(browser, `/api/articles/${a.slug}/comments`, reader.token)).comments.length, 0);
    await addComment(sys.api, reader.token, a.slug);
    assert.equal((await read(browser, `/api/articles/${a.slug}/comments`, reader.token)).comments.length, 1);
  });

  it('the feed: a followed author’s new article shows at once', async () => {
    const browser = cache('private');
    const writer = await registerUser(sys.api);
    const follower = await registerUser(sys.api);
    await follow(sys.api, follower.token, writer.username);
    assert.equal((await read(browser, '/api/articles/feed', follower.token)).articlesCount, 0);
    const a = await createArticle(sys.api, writer.token);
    const deadline = Date.now() + 5000; // the feed's fan-out is asynchronous (outbox → bus)
    let feed = await read(browser, '/api/articles/feed', follower.token);
    while (feed.articlesCount === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      feed = await read(browser, '/api/articles/feed', follower.token);
    }
    assert.equal(feed.articles[0]?.slug, a.slug);
  });

  it('the current user (never stored): a profile edit shows at once', async () => {
    const browser = cache('private');
    const bio = unique('bio ');
    await read(browser, '/api/user', reader.token);
    await sys.api.put('/api/user', { user: { bio } }, { token: reader.token });
    assert.equal((await read(browser, '/api/user', reader.token)).user.bio, bio);
  });
});
