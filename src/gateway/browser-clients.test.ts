import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../testing/test-system.js';
import { createApiClient, type ApiClient, type ApiResponse } from '../testing/api-client.js';
import { createArticle, registerUser, type TestUser } from '../testing/fixtures.js';
import { startTestGateway, TEST_INTERNAL_SECRET, TEST_JWT_SECRET } from './gateway-test-kit.js';
import { CONDUIT_ROUTES } from './route-table.js';
import type { Gateway } from './gateway.js';

/**
 * A browser front end on another origin, through the gateway in front of the
 * real services (issue 12, items 7 and 8): the gateway answers preflights
 * itself, and every answer (proxied or its own error) carries CORS and the
 * security headers; an empty JSON body passes to the route that takes none.
 */
const [pglite] = await dbTargets();
const ORIGIN = 'http://localhost:4200';

function assertBrowserReadable(res: ApiResponse, what: string): void {
  assert.equal(res.headers.get('access-control-allow-origin'), '*', `${what}: ACAO`);
  assert.match(res.headers.get('access-control-expose-headers') ?? '', /etag/i, `${what}: ETag exposed`);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${what}: nosniff`);
  assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, `${what}: CSP`);
}

describe('browser clients through the gateway [pglite]', () => {
  let sys: TestSystem;
  let gateway: Gateway;
  let api: ApiClient;
  let author: TestUser;
  let reader: TestUser;
  before(async () => {
    sys = await startTestSystem(pglite!, { JWT_SECRET: TEST_JWT_SECRET, INTERNAL_SECRET: TEST_INTERNAL_SECRET });
    gateway = await startTestGateway({ social: [sys.url], routes: CONDUIT_ROUTES });
    api = createApiClient(gateway.url);
    author = await registerUser(api);
    reader = await registerUser(api);
  });
  after(async () => {
    await gateway?.close();
    await sys?.close();
  });

  it('the gateway answers a login preflight itself: 204 allowing content-type and authorization', async () => {
    const res = await api.request('OPTIONS', '/api/users/login', undefined, {
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /authorization/i);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
  });

  it('proxied answers and the gateway\'s own errors are readable cross-origin and carry the security headers', async () => {
    const login = await api.post('/api/users/login', { user: { email: author.email, password: author.password } }, { headers: { origin: ORIGIN } });
    assert.equal(login.status, 200);
    assertBrowserReadable(login, 'login (proxied)');
    const tags = await api.get('/api/tags', { headers: { origin: ORIGIN } });
    assertBrowserReadable(tags, 'tags (proxied)');
    const refused = await api.get('/api/user', { headers: { origin: ORIGIN } });
    assert.equal(refused.status, 401, 'refused at the edge');
    assertBrowserReadable(refused, '401 (gateway)');
    const unknown = await api.get('/api/nope', { headers: { origin: ORIGIN } });
    assert.equal(unknown.status, 404);
    assertBrowserReadable(unknown, '404 (gateway)');
  });

  it('an empty JSON body on favorite, follow and DELETE passes the gateway and the service', async () => {
    const a = await createArticle(api, author.token);
    const empty = { rawBody: '' };
    const fav = await api.post(`/api/articles/${a.slug}/favorite`, undefined, { ...empty, token: reader.token });
    assert.equal(fav.status, 200, JSON.stringify(fav.body));
    assert.equal(fav.body.article.favorited, true);
    const unfav = await api.request('DELETE', `/api/articles/${a.slug}/favorite`, undefined, { ...empty, token: reader.token });
    assert.equal(unfav.status, 200, JSON.stringify(unfav.body));
    const fol = await api.post(`/api/profiles/${author.username}/follow`, undefined, { ...empty, token: reader.token });
    assert.equal(fol.status, 200, JSON.stringify(fol.body));
    const del = await api.request('DELETE', `/api/articles/${a.slug}`, undefined, { ...empty, token: author.token });
    assert.equal(del.status, 204, JSON.stringify(del.body));
    const noBody = await api.post('/api/articles', undefined, { ...empty, token: author.token });
    assert.equal(noBody.status, 400, 'a route that needs a body still refuses an empty one');
  });
});

describe('the gateway\'s CORS_ORIGINS decides, whatever a replica says [pglite]', () => {
  let sys: TestSystem;
  let gateway: Gateway;
  before(async () => {
    // The services keep the default (*); only the gateway is narrowed.
    sys = await startTestSystem(pglite!, { JWT_SECRET: TEST_JWT_SECRET, INTERNAL_SECRET: TEST_INTERNAL_SECRET });
    gateway = await startTestGateway({ social: [sys.url], routes: CONDUIT_ROUTES, overrides: { CORS_ORIGINS: 'https://app.example' } });
  });
  after(async () => {
    await gateway?.close();
    await sys?.close();
  });

  it('an origin the gateway does not list gets no Access-Control-Allow-Origin on a proxied answer', async () => {
    const api = createApiClient(gateway.url);
    const evil = await api.get('/api/tags', { headers: { origin: 'https://evil.example' } });
    assert.equal(evil.status, 200);
    assert.equal(evil.headers.get('access-control-allow-origin'), null, 'not the replica\'s *');
    const listed = await api.get('/api/tags', { headers: { origin: 'https://app.example' } });
    assert.equal(listed.headers.get('access-control-allow-origin'), 'https://app.example');
    // The answer depends on Origin: a shared cache must key on it, whatever the replica's Vary said.
    const vary = (listed.headers.get('vary') ?? '').toLowerCase().split(/,\s*/);
    assert.ok(vary.includes('origin') && vary.includes('authorization'), `vary: ${listed.headers.get('vary')}`);
  });
});
