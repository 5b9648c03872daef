import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { SignJWT } from 'jose';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import type { ApiResponse } from '../../testing/api-client.js';
import { assertError, assertErrorShape, assertNoStackTrace, createArticle, registerUser } from '../../testing/fixtures.js';

const MiB = 1024 * 1024;

/** The suite's systems run with a known secret so it can mint validly signed tokens for users that do not exist. */
const JWT_SECRET = randomBytes(32).toString('base64url');

/** A validly signed, unexpired token whose subject is no user of the system. */
const ghostToken = () =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('2000000000')
    .setIssuer('scalestack')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(JWT_SECRET));

/** A JSON text of exactly `size` bytes: `{"user":{"username":"xxx…"}}`. */
function jsonOfSize(size: number): string {
  const shell = '{"user":{"username":""}}';
  return `{"user":{"username":"${'x'.repeat(size - shell.length)}"}}`;
}

/** Every error: 4xx, never 500, error body shape, x-error-code, no stack. */
function assertHandled(res: ApiResponse, what: string): void {
  assert.notEqual(res.status, 500, `${what}: 500 ${JSON.stringify(res.body)}`);
  assertErrorShape(res);
}

for (const target of await dbTargets()) {
  describe(`bad input [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target, { JWT_SECRET });
    });
    after(async () => {
      await sys?.close();
    });

    describe('malformed JSON', () => {
      for (const raw of ['{"user":', '{user: {}}', 'not json at all', '{"user":{"email":"a@b.c",}}', '\u0000']) {
        it(`400 "body: is not valid JSON" for ${JSON.stringify(raw)}`, async () => {
          const res = await sys.api.post('/api/users', undefined, { rawBody: raw });
          assertError(res, 400, 'body', 'is not valid JSON');
        });
      }

      it('400 on an authenticated route too', async () => {
        const u = await registerUser(sys.api);
        const res = await sys.api.post('/api/articles', undefined, { token: u.token, rawBody: '{"article": {' });
        assertError(res, 400, 'body', 'is not valid JSON');
        const put = await sys.api.put('/api/user', undefined, { token: u.token, rawBody: '[1,2' });
        assertError(put, 400, 'body', 'is not valid JSON');
      });

      it('an empty body declared as JSON is a 4xx, not a 500', async () => {
        const res = await sys.api.post('/api/users', undefined, { rawBody: '' });
        assertHandled(res, 'empty JSON body');
        assert.ok([400, 422].includes(res.status), `got ${res.status}`);
      });

      it('JSON that is not an object is a 422/400, not a 500', async () => {
        for (const raw of ['null', '[]', '"user"', '42', 'true']) {
          const res = await sys.api.post('/api/users', undefined, { rawBody: raw });
          assertHandled(res, raw);
          assert.ok([400, 422].includes(res.status), `${raw}: got ${res.status} ${JSON.stringify(res.body)}`);
        }
      });

      it('a __proto__ key is refused or ignored, never a 500', async () => {
        const raw = '{"user":{"username":"p","email":"p@example.com","password":"password123","__proto__":{"admin":true}}}';
        const res = await sys.api.post('/api/users', undefined, { rawBody: raw });
        assert.notEqual(res.status, 500);
        assertNoStackTrace(res);
      });

      it('deeply nested JSON is a 4xx, not a 500', async () => {
        const depth = 5000;
        const raw = `{"user":${'['.repeat(depth)}${']'.repeat(depth)}}`;
        const res = await sys.api.post('/api/users', undefined, { rawBody: raw });
        assertHandled(res, 'deep nesting');
      });
    });

    describe('body size', () => {
      it('413 for a body of 1 MiB + 1 byte', async () => {
        const raw = jsonOfSize(MiB + 1);
        assert.equal(Buffer.byteLength(raw), MiB + 1);
        const res = await sys.api.post('/api/users', undefined, { rawBody: raw });
        assertError(res, 413, 'body');
      });

      it('413 on an authenticated route too', async () => {
        const u = await registerUser(sys.api);
        const raw = JSON.stringify({ article: { title: 't', description: 'd', body: 'x'.repeat(MiB + 10) } });
        assertError(await sys.api.post('/api/articles', undefined, { token: u.token, rawBody: raw }), 413, 'body');
      });

      it('a body of exactly 1 MiB is not refused for its size', async () => {
        const raw = jsonOfSize(MiB);
        assert.equal(Buffer.byteLength(raw), MiB);
        const res = await sys.api.post('/api/users', undefined, { rawBody: raw });
        assert.notEqual(res.status, 413);
        assert.notEqual(res.status, 500);
        assertErrorShape(res); // email/password are missing: 422
      });
    });

    describe('content type', () => {
      it('415 for a body that is not JSON (application/xml)', async () => {
        const res = await sys.api.post('/api/users', undefined, {
          rawBody: '<user><email>a@b.c</email></user>',
          headers: { 'content-type': 'application/xml' },
        });
        assertError(res, 415, 'body');
      });

      it('JSON sent as form data is refused, never a 500', async () => {
        const res = await sys.api.post('/api/users', undefined, {
          rawBody: 'user[email]=a@b.c',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        assertHandled(res, 'form body');
        assert.ok([415, 422].includes(res.status), `got ${res.status}`);
      });

      it('text/plain is not accepted as a user, never a 500', async () => {
        const res = await sys.api.post('/api/users', undefined, {
          rawBody: JSON.stringify({ user: { username: 'textplain', email: 'tp@example.com', password: 'password123' } }),
          headers: { 'content-type': 'text/plain' },
        });
        assertHandled(res, 'text/plain body');
        assert.ok([415, 422].includes(res.status), `got ${res.status} ${JSON.stringify(res.body)}`);
      });

      it('a gzip-encoded body is a 4xx, never a 500', async () => {
        const raw = gzipSync(JSON.stringify({ user: { username: 'gz', email: 'gz@example.com', password: 'password123' } }));
        const res = await sys.api.post('/api/users', undefined, { rawBody: raw, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
        assertHandled(res, 'gzip body');
      });

      it('application/json; charset=utf-8 is accepted', async () => {
        const res = await sys.api.post(
          '/api/users',
          { user: { username: `cs${randomBytes(4).toString('hex')}`, email: `cs${randomBytes(4).toString('hex')}@example.com`, password: 'password123' } },
          { headers: { 'content-type': 'application/json; charset=utf-8' } },
        );
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      });
    });

    describe('routes', () => {
      /** GETs every path; fails once, listing every path not answered with a well-formed 4xx. */
      const assertAllHandled = async (paths: string[]) => {
        const bad: string[] = [];
        for (const path of paths) {
          const res = await sys.api.get(path);
          try {
            assertHandled(res, path);
          } catch {
            const body = JSON.stringify(res.body).slice(0, 160);
            bad.push(`${path.slice(0, 60)} -> ${res.status} x-error-code=${res.headers.get('x-error-code')} ${body}`);
          }
        }
        assert.deepEqual(bad, [], `not a well-formed 4xx:\n${bad.join('\n')}`);
      };

      it('404 "route: not found" for an unknown route', async () => {
        for (const path of ['/api/nope', '/nope/deeper', '/api/articles/x/y/z/w', '/api/users/login/extra']) {
          assertError(await sys.api.get(path), 404, 'route', 'not found');
        }
        // One segment at the root is a short link's code (issue 18): unknown, it is a link that is not found.
        assertError(await sys.api.get('/nope'), 404, 'link', 'not found');
      });

      it('405 with Allow naming the served methods for a method a known path does not serve; nothing changes', async () => {
        const user = await registerUser(sys.api);
        const article = await createArticle(sys.api, user.token);
        const cases: Array<[string, string, string]> = [
          ['PATCH', '/api/user', 'DELETE, GET, HEAD, PUT, OPTIONS'],
          ['DELETE', '/api/articles?limit=1', 'GET, HEAD, POST, OPTIONS'],
          ['POST', `/api/articles/${article.slug}/`, 'DELETE, GET, HEAD, PUT, OPTIONS'],
          ['PUT', `/api/articles/${article.slug}/favorite`, 'DELETE, POST, OPTIONS'],
        ];
        for (const [method, path, allow] of cases) {
          const res = await sys.api.request(method, path, { article: { title: 'changed' } }, { token: user.token });
          assertError(res, 405, 'method', `${method} is not allowed here`);
          assert.equal(res.headers.get('allow'), allow, `${method} ${path}`);
        }
        const after = await sys.api.get(`/api/articles/${article.slug}`);
        assert.equal((after.body as { article: { title: string } }).article.title, article.title, 'the article is as it was');
      });

      it('a very long slug or username is a 4xx, not a 500', async () => {
        const long = 'a'.repeat(2000);
        await assertAllHandled([`/api/articles/${long}`, `/api/profiles/${long}`, `/api/articles/${long}/comments`]);
      });

      it('odd characters in path params are a 4xx, not a 500', async () => {
        const paths: string[] = [];
        for (const seg of ['%00', '%E0%A4%A', "'%3B%20drop%20table%20users%3B--", '%F0%9F%90%89', '..%2F..%2Fetc']) {
          paths.push(`/api/articles/${seg}`, `/api/profiles/${seg}`, `/api/articles/${seg}/comments`);
        }
        await assertAllHandled(paths);
      });

      it('an out-of-range comment id is a 4xx, not a 500', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        for (const id of ['99999999999999999999999', '-1', '0', '1e3', 'abc']) {
          const res = await sys.api.delete(`/api/articles/${a.slug}/comments/${id}`, { token: u.token });
          assertHandled(res, `comment id ${id}`);
        }
      });
    });

    describe('query strings', () => {
      it('422 keyed "limit" for a huge or invalid limit, "offset" for a bad offset', async () => {
        for (const limit of ['99999999999999999999999', '1000', '0', '-5', 'ten']) {
          assertError(await sys.api.get(`/api/articles?limit=${limit}`), 422, 'limit');
        }
        for (const offset of ['-1', 'x', '1.5']) {
          assertError(await sys.api.get(`/api/articles?offset=${offset}`), 422, 'offset');
        }
      });

      it('a huge offset is an empty page, not a 500', async () => {
        const res = await sys.api.get('/api/articles?offset=2147483647');
        assert.notEqual(res.status, 500, JSON.stringify(res.body));
        if (res.status === 200) assert.deepEqual(res.body.articles, []);
        else assertErrorShape(res);
        const huge = await sys.api.get('/api/articles?offset=99999999999999999999999');
        assert.notEqual(huge.status, 500, JSON.stringify(huge.body));
        if (huge.status !== 200) assertError(huge, 422, 'offset');
      });

      it('repeated query params are handled, not a 500', async () => {
        for (const q of ['tag=a&tag=b', 'limit=1&limit=2', 'author=x&author=y', 'offset=0&offset=1']) {
          const res = await sys.api.get(`/api/articles?${q}`);
          assert.notEqual(res.status, 500, `${q}: ${JSON.stringify(res.body)}`);
          if (res.status >= 400) assertErrorShape(res);
        }
      });
    });

    describe('tokens on any route', () => {
      const forge = () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('1')
          .setIssuer('scalestack')
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode(randomBytes(32).toString('hex')));

      it('401 "token: is invalid" for a forged token on optional-auth and public routes', async () => {
        const forged = await forge();
        const author = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        const gets = [
          '/api/articles',
          `/api/articles/${a.slug}`,
          `/api/articles/${a.slug}/comments`,
          `/api/profiles/${author.username}`,
          '/api/tags',
        ];
        for (const path of gets) assertError(await sys.api.get(path, { token: forged }), 401, 'token', 'is invalid');
        const login = await sys.api.post('/api/users/login', { user: { email: author.email, password: author.password } }, { token: forged });
        assertError(login, 401, 'token', 'is invalid');
      });

      it('401 "token: is invalid" for a validly signed token of a user that does not exist, on writes; nothing is written', async () => {
        const ghost = await ghostToken();
        const author = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        const before = (await sys.api.get('/api/articles')).body.articlesCount as number;
        const tagsBefore = (await sys.api.get('/api/tags')).body.tags as string[];
        const problems: string[] = [];
        const expectInvalid = (what: string, res: ApiResponse) => {
          try {
            assertError(res, 401, 'token', 'is invalid');
          } catch {
            problems.push(`${what} -> ${res.status} ${JSON.stringify(res.body)}`);
          }
        };
        const ghostTag = `ghost${randomBytes(4).toString('hex')}`;
        expectInvalid('POST /api/articles', await sys.api.post('/api/articles', { article: { title: 'ghost', description: 'd', body: 'b', tagList: [ghostTag] } }, { token: ghost }));
        expectInvalid('POST favorite', await sys.api.post(`/api/articles/${a.slug}/favorite`, undefined, { token: ghost }));
        expectInvalid('POST comment', await sys.api.post(`/api/articles/${a.slug}/comments`, { comment: { body: 'boo' } }, { token: ghost }));
        expectInvalid('POST follow', await sys.api.post(`/api/profiles/${author.username}/follow`, undefined, { token: ghost }));
        expectInvalid('GET feed', await sys.api.get('/api/articles/feed', { token: ghost }));
        expectInvalid('PUT /api/user', await sys.api.put('/api/user', { user: { bio: 'boo' } }, { token: ghost }));
        expectInvalid('GET /api/user', await sys.api.get('/api/user', { token: ghost }));
        const after = (await sys.api.get(`/api/articles/${a.slug}`)).body.article;
        const state = {
          articlesCount: (await sys.api.get('/api/articles')).body.articlesCount,
          ghostTagListed: ((await sys.api.get('/api/tags')).body.tags as string[]).includes(ghostTag),
          favoritesCount: after.favoritesCount,
          comments: (await sys.api.get(`/api/articles/${a.slug}/comments`)).body.comments.length,
        };
        assert.deepEqual(
          { problems, state },
          { problems: [], state: { articlesCount: before, ghostTagListed: false, favoritesCount: 0, comments: 0 } },
        );
        assert.ok(!tagsBefore.includes(ghostTag));
      });

      it('401 "token: is invalid" for a validly signed token of a user that does not exist, on optional-auth reads', async () => {
        const ghost = await ghostToken();
        const author = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        const bad: string[] = [];
        for (const path of ['/api/articles', `/api/articles/${a.slug}`, `/api/profiles/${author.username}`, `/api/articles/${a.slug}/comments`]) {
          const res = await sys.api.get(path, { token: ghost });
          if (res.status !== 401 || res.body?.errors?.token?.[0] !== 'is invalid') bad.push(`${path} -> ${res.status}`);
        }
        assert.deepEqual(bad, []);
      });

      it('401 "token: is invalid" for a forged Bearer token', async () => {
        const res = await sys.api.get('/api/articles', { headers: { authorization: `Bearer ${await forge()}` } });
        assertError(res, 401, 'token', 'is invalid');
      });

      it('401 "token: is invalid" for garbage in the Authorization header', async () => {
        for (const header of ['Token', 'Token ', 'Bearer', 'Token a b', 'Basic Zm9vOmJhcg==', 'Token ' + 'x'.repeat(5000)]) {
          const res = await sys.api.get('/api/articles', { headers: { authorization: header } });
          assertError(res, 401, 'token', 'is invalid');
        }
      });
    });
  });
}
