import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { FakeUpstream } from '../testing/fake-upstream.js';
import { rawRequest, sleep } from '../testing/cli-process.js';
import { MemoryRegistry } from '../platform/discovery/memory-registry.js';
import { createTokenService } from '../platform/auth/tokens.js';
import { bodyDigest, verifiedUserId } from '../platform/auth/gateway-identity.js';
import { startTestGateway, TEST_INTERNAL_SECRET, TEST_JWT_SECRET } from './gateway-test-kit.js';
import type { Gateway } from './gateway.js';
import { HealthChecker } from './upstreams/health-checker.js';
import { createLogger } from '../platform/log/logger.js';

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});
async function replicas(...names: string[]): Promise<FakeUpstream[]> {
  const out = await Promise.all(names.map((n) => new FakeUpstream(n).listen()));
  for (const u of out) cleanups.push(() => u.kill());
  return out;
}
async function gateway(options: Parameters<typeof startTestGateway>[0]): Promise<Gateway> {
  const g = await startTestGateway(options);
  cleanups.push(() => g.close());
  return g;
}
const replicaOf = (body: unknown) => (body as { replica: string }).replica;

describe('gateway: balancing, ejection, re-admission', () => {
  it('spreads GETs round-robin over healthy replicas', async () => {
    const [a, b] = await replicas('a', 'b');
    const g = await gateway({ social: [a!.url, b!.url] });
    const seen = [];
    for (let i = 0; i < 10; i++) seen.push(replicaOf((await rawRequest(g.url, 'GET', '/api/tags')).body));
    assert.deepEqual(seen.filter((r) => r === 'a').length, 5, seen.join(','));
  });

  it('a killed replica costs no idempotent request: its breaker opens, and closes once it is back', async () => {
    const [a, b] = await replicas('a', 'b');
    // Active checks slowed down so this test sees the passive path (the breaker) alone; the next test covers active checks.
    const g = await gateway({ social: [a!.url, b!.url], healthIntervalMs: 60_000 });
    const upstreamB = () => g.pools.get('social')!.all().find((u) => u.url === b!.url)!;
    await b!.kill();
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await rawRequest(g.url, 'GET', '/api/tags')).status);
    assert.deepEqual([...new Set(statuses)], [200], 'every GET answered while b is down');
    assert.ok(upstreamB().breaker.opens >= 1, `b's breaker opened (state ${upstreamB().breaker.state})`);

    await b!.revive();
    const deadline = Date.now() + 5000;
    let backOnB = false;
    while (Date.now() < deadline && !backOnB) {
      const res = await rawRequest(g.url, 'GET', '/api/tags');
      assert.equal(res.status, 200);
      backOnB = replicaOf(res.body) === 'b';
      await sleep(20);
    }
    assert.ok(backOnB, 'b serves again after it returns');
    assert.equal(upstreamB().breaker.state, 'closed');
    assert.ok(upstreamB().breaker.closes >= 1, 'the breaker closed after a good trial call');
    assert.equal(upstreamB().admitted, true);
  });

  it('active health checks eject a replica whose /readyz fails and re-admit it when it passes', async () => {
    const [a, b] = await replicas('a', 'b');
    const g = await gateway({ social: [a!.url, b!.url] });
    b!.ready = false;
    await sleep(400);
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add(replicaOf((await rawRequest(g.url, 'GET', '/api/tags')).body));
    assert.deepEqual([...seen], ['a']);
    b!.ready = true;
    await sleep(300);
    for (let i = 0; i < 10; i++) seen.add(replicaOf((await rawRequest(g.url, 'GET', '/api/tags')).body));
    assert.ok(seen.has('b'), 're-admitted');
  });

  it('a replica that stops answering (frozen, connections open) leaves rotation on its first timeout, and a good check brings it back', async () => {
    const [a, b] = await replicas('a', 'b');
    // Active checks slowed down: what takes b out here is the timed-out request alone.
    const g = await gateway({ social: [a!.url, b!.url], healthIntervalMs: 60_000 });
    b!.delayMs = 5000;
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await rawRequest(g.url, 'GET', '/api/slow')).status);
    // Round-robin sends every other request to b: without ejection, 504s until its breaker opened after five.
    assert.equal(statuses.filter((s) => s === 504).length, 1, statuses.join(','));
    const upstreamB = g.pools.get('social')!.all().find((u) => u.url === b!.url)!;
    assert.equal(upstreamB.admitted, false);
    b!.delayMs = 0;
    await new HealthChecker(() => [upstreamB], createLogger({ level: 'silent', pretty: false }), 60_000).check(upstreamB);
    assert.equal(upstreamB.admitted, true, 're-admitted by a good check');
  });

  it('the last available replica is never ejected for a timeout: the next request still tries it', async () => {
    const [a] = await replicas('a');
    const g = await gateway({ social: [a!.url], healthIntervalMs: 60_000 });
    a!.delayMs = 5000;
    assert.equal((await rawRequest(g.url, 'GET', '/api/slow')).status, 504);
    a!.delayMs = 0;
    assert.equal((await rawRequest(g.url, 'GET', '/api/slow')).status, 200);
  });

  it('with every replica out by its checks alone, requests still reach them (panic routing), and a draining one gets none', async () => {
    const [a] = await replicas('a');
    const g = await gateway({ social: [a!.url], healthIntervalMs: 60_000 });
    const upstreamA = g.pools.get('social')!.all()[0]!;
    // A check that timed out under load: the only replica leaves rotation though it answers.
    upstreamA.eject();
    assert.equal(upstreamA.available, false);
    const res = await rawRequest(g.url, 'GET', '/api/tags');
    assert.equal(res.status, 200);
    assert.equal(replicaOf(res.body), 'a');
    upstreamA.draining = true;
    assert.equal((await rawRequest(g.url, 'GET', '/api/tags')).status, 503, 'a draining replica is never a panic pick');
  });

  it('follows discovery: a replica that heartbeats appears, one that stops vanishes', async () => {
    const [a, b] = await replicas('a', 'b');
    const registry = new MemoryRegistry();
    await registry.heartbeat({ service: 'social', id: 'a', url: a!.url }, 60_000);
    const g = await gateway({ registry });
    assert.deepEqual(g.pools.get('social')!.all().map((u) => u.url), [a!.url]);
    await registry.heartbeat({ service: 'social', id: 'b', url: b!.url }, 60_000);
    await sleep(400);
    assert.equal(g.pools.get('social')!.all().length, 2);
    await registry.deregister({ service: 'social', id: 'a', url: a!.url });
    await sleep(400);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(replicaOf((await rawRequest(g.url, 'GET', '/api/tags')).body));
    assert.deepEqual([...seen], ['b']);
  });

  it('503 + Retry-After when no replica is available', async () => {
    const g = await gateway({ social: [] });
    const res = await rawRequest(g.url, 'GET', '/api/tags');
    assert.equal(res.status, 503);
    assert.equal(res.headers['x-error-code'], 'SS_UPSTREAM_UNAVAILABLE');
    assert.equal(res.headers['retry-after'], '1');
  });
});

describe('gateway: timeouts, retries, shedding', () => {
  it('a route over its timeout is a 504 at the route timeout; a POST is not retried', async () => {
    const [slow] = await replicas('slow');
    slow!.delayMs = 5000;
    const g = await gateway({ social: [slow!.url] });
    const t0 = performance.now();
    const res = await rawRequest(g.url, 'GET', '/api/slow');
    const ms = performance.now() - t0;
    assert.equal(res.status, 504);
    assert.equal(res.headers['x-error-code'], 'SS_TIMEOUT');
    // Ordering, not speed: not before the route's 300 ms, and without waiting for the replica's 5 s answer.
    assert.ok(ms >= 290 && ms < 5000, `answered after ${Math.round(ms)} ms (route timeout 300 ms, replica answers at 5000 ms)`);
    assert.equal(slow!.seen.length, 1, 'a timed-out GET is not retried (the deadline is per request)');
  });

  it('a POST to a replica that refuses connections goes to another (it never ran)', async () => {
    const [a, b] = await replicas('a', 'b');
    const token = await createTokenService(TEST_JWT_SECRET, 3600).sign(7);
    const g = await gateway({ social: [a!.url, b!.url] });
    await a!.kill();
    for (let i = 0; i < 4; i++) {
      const res = await rawRequest(g.url, 'POST', '/api/articles', { article: { title: 't' } }, { authorization: `Token ${token}` });
      assert.equal(res.status, 200);
      assert.equal(replicaOf(res.body), 'b');
    }
  });

  it('a POST whose connection is reset after the replica read it is not retried: one attempt, 502', async () => {
    // Both replicas reset, so whichever the balancer picks first, a retry would show as a second request seen.
    const [a, b] = await replicas('a', 'b');
    a!.resetAfterRead = true;
    b!.resetAfterRead = true;
    const token = await createTokenService(TEST_JWT_SECRET, 3600).sign(7);
    const g = await gateway({ social: [a!.url, b!.url] });
    const res = await rawRequest(g.url, 'POST', '/api/articles', { article: { title: 'once' } }, { authorization: `Token ${token}` });
    assert.equal(res.status, 502, JSON.stringify(res.body));
    const seen = [...a!.seen, ...b!.seen].filter((r) => r.method === 'POST');
    assert.equal(seen.length, 1, `the replicas saw the POST ${seen.length} time(s); it may have run, so it must not be sent again`);
    assert.equal(seen[0]!.body, JSON.stringify({ article: { title: 'once' } }), 'the whole request reached the replica before the reset');

    // The same reset on a GET is retried on the other replica (safe to repeat): the test above is about the method, not the reset.
    const get = await rawRequest(g.url, 'GET', '/api/tags');
    assert.equal(get.status, 502);
    assert.equal([...a!.seen, ...b!.seen].filter((r) => r.method === 'GET').length, 2, 'a GET tries both replicas');
  });

  it("replicas answering 503 (overloaded, draining) or 504 (their dependency timed out): the GET tries each, then the client gets that status with Retry-After, not a 502", async () => {
    const [a, b] = await replicas('a', 'b');
    const g = await gateway({ social: [a!.url, b!.url], breaker: { failures: 100, halfOpenAfterMs: 300 } });
    for (const [status, code] of [[503, 'SS_UPSTREAM_UNAVAILABLE'], [504, 'SS_TIMEOUT']] as const) {
      a!.status = status;
      b!.status = status;
      const before = a!.seen.length + b!.seen.length;
      const res = await rawRequest(g.url, 'GET', '/api/tags');
      assert.deepEqual([res.status, res.headers['x-error-code'], res.headers['retry-after']], [status, code, '1'], JSON.stringify(res.body));
      assert.equal(a!.seen.length + b!.seen.length - before, 2, 'both replicas tried');
    }
    a!.status = 502;
    b!.status = 502;
    assert.equal((await rawRequest(g.url, 'GET', '/api/tags')).status, 502, 'a bad gateway below stays one');
  });

  it('sheds load past GATEWAY_MAX_IN_FLIGHT with 503 SS_OVERLOADED and Retry-After', async () => {
    const [slow] = await replicas('slow');
    slow!.delayMs = 300;
    const g = await gateway({ social: [slow!.url], overrides: { GATEWAY_MAX_IN_FLIGHT: 2 } });
    const results = await Promise.all(Array.from({ length: 6 }, () => rawRequest(g.url, 'GET', '/api/tags')));
    const shed = results.filter((r) => r.status === 503);
    assert.equal(results.filter((r) => r.status === 200).length, 2);
    assert.equal(shed.length, 4);
    assert.equal(shed[0]!.headers['x-error-code'], 'SS_OVERLOADED');
    assert.equal(shed[0]!.headers['retry-after'], '1');
  });
});

describe('gateway: identity, request ids, traces', () => {
  it('verifies the token once and passes a signed x-user-id inward, never the token; carries x-request-id and traceparent', async () => {
    const [a] = await replicas('a');
    const g = await gateway({ social: [a!.url] });
    const token = await createTokenService(TEST_JWT_SECRET, 3600).sign(42);
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await rawRequest(g.url, 'POST', '/api/articles', { article: { title: 'x' } }, {
      authorization: `Token ${token}`,
      'x-request-id': 'req-123',
      traceparent: trace,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-request-id'], 'req-123');
    const seen = a!.seen.at(-1)!;
    assert.equal(seen.headers['authorization'], undefined, 'the token stays at the edge');
    assert.equal(verifiedUserId(TEST_INTERNAL_SECRET, seen.headers['x-user-id'] as string, seen.headers['x-user-sig'] as string, { method: 'POST', path: '/api/articles', bodyDigest: bodyDigest(JSON.stringify({ article: { title: 'x' } })) }), 42);
    assert.equal(seen.headers['x-request-id'], 'req-123');
    assert.match(seen.headers['traceparent'] as string, /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    assert.notEqual(seen.headers['traceparent'], trace, 'a new span id for the gateway hop');
    assert.equal(seen.body, JSON.stringify({ article: { title: 'x' } }), 'the body is forwarded as sent');

    await rawRequest(g.url, 'GET', '/api/tags');
    assert.match(a!.seen.at(-1)!.headers['traceparent'] as string, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, 'created when absent');
    assert.match(a!.seen.at(-1)!.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/, 'created when absent');
  });
});

describe('gateway: bad input is answered at the edge; nothing reaches a service', () => {
  it('oversized headers 431, bad JSON 400, unknown routes and /internal 404, other methods 405, forged/expired/missing tokens 401, non-JSON 415, too large 413', async () => {
    const [a] = await replicas('a');
    const g = await gateway({ social: [a!.url] });
    const key = new TextEncoder().encode(TEST_JWT_SECRET);
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('1').setIssuer('scalestack')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(key);
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('1').setIssuer('scalestack')
      .setExpirationTime('1h').sign(new TextEncoder().encode('f'.repeat(40)));
    const cases: Array<[string, () => Promise<{ status: number; headers: Record<string, unknown>; body: unknown }>, number, string]> = [
      ['oversized headers', () => rawRequest(g.url, 'GET', '/api/tags', undefined, { 'x-big': 'x'.repeat(20_000) }), 431, 'SS_HEADERS_TOO_LARGE'],
      ['bad JSON', () => rawPost(g.url, '/api/users/login', '{"user":'), 400, 'SS_MALFORMED_BODY'],
      ['unknown route', () => rawRequest(g.url, 'GET', '/api/nope'), 404, 'SS_NOT_FOUND'],
      ['method a known path does not serve', () => rawRequest(g.url, 'PATCH', '/api/tags'), 405, 'SS_METHOD_NOT_ALLOWED'],
      ['internal endpoint', () => rawRequest(g.url, 'GET', '/internal/identity/users?ids=1'), 404, 'SS_NOT_FOUND'],
      ['forged token', () => rawRequest(g.url, 'GET', '/api/tags', undefined, { authorization: `Token ${forged}` }), 401, 'SS_TOKEN_INVALID'],
      ['expired token', () => rawRequest(g.url, 'GET', '/api/tags', undefined, { authorization: `Token ${expired}` }), 401, 'SS_TOKEN_INVALID'],
      ['client-written x-user-id', () => rawRequest(g.url, 'GET', '/api/tags', undefined, { 'x-user-id': '1', 'x-user-sig': '1.abc' }), 401, 'SS_TOKEN_INVALID'],
      ['write without a token', () => rawRequest(g.url, 'POST', '/api/articles', { article: {} }), 401, 'SS_TOKEN_MISSING'],
      ['not JSON', () => rawPost(g.url, '/api/users/login', '<user/>', 'application/xml'), 415, 'SS_UNSUPPORTED_MEDIA_TYPE'],
      ['too large', () => rawPost(g.url, '/api/users/login', JSON.stringify({ x: 'y'.repeat(1_100_000) })), 413, 'SS_BODY_TOO_LARGE'],
    ];
    for (const [what, send, status, code] of cases) {
      const res = await send();
      assert.equal(res.status, status, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.headers['x-error-code'], code, what);
      assert.ok(res.body && typeof res.body === 'object' && 'errors' in res.body, `${what}: error body ${JSON.stringify(res.body)}`);
    }
    assert.equal((await rawRequest(g.url, 'DELETE', '/api/tags')).headers['allow'], 'GET, HEAD, OPTIONS', 'Allow names what the gateway routes');
    assert.deepEqual(a!.seen, [], 'no bad request reached the replica');
  });
});

function rawPost(url: string, path: string, text: string, type = 'application/json') {
  return fetch(new URL(path, url), { method: 'POST', body: text, headers: { 'content-type': type } }).then(async (r) => ({
    status: r.status,
    headers: Object.fromEntries(r.headers),
    body: (await r.json()) as unknown,
  }));
}
