import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import type { ApiResponse } from '../../testing/api-client.js';
import { assertError, assertErrorShape, assertNoStackTrace, createArticle, registerUser } from '../../testing/fixtures.js';

const MiB = 1024 * 1024;

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
      sys = await startTestSystem(target);
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
      it('404 "route: not found" for an unknown route', async () => {
        for (const path of ['/api/nope', '/nope', '/api/articles/x/y/z/w', '/api/users/login/extra']) {
          assertError(await sys.api.get(path), 404, 'route', 'not found');
        }
      });

      it('404 "route: not found" for an unknown method on a known path', async () => {
        assertError(await sys.api.request('PATCH', '/api/user', { user: {} }), 404, 'route', 'not found');
      });

      it('a very long slug or username is a 4xx, not a 500', async () => {
        const long = 'a'.repeat(2000);
        for (const path of [`/api/articles/${long}`, `/api/profiles/${long}`, `/api/articles/${long}/comments`]) {
          assertHandled(await sys.api.get(path), path);
        }
      });

      it('odd characters in path params are a 4xx, not a 500', async () => {
        for (const seg of ['%00', '%E0%A4%A', "'%3B%20drop%20table%20users%3B--", '%F0%9F%90%89', '..%2F..%2Fetc']) {
          for (const path of [`/api/articles/${seg}`, `/api/profiles/${seg}`, `/api/articles/${seg}/comments`]) {
            const res = await sys.api.get(path);
            assertHandled(res, path);
          }
        }
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
