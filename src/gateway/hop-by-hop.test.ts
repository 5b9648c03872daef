/**
 * RFC 9110 §7.6.1: connection-specific and proxy-only headers are the
 * gateway's own business with each peer, never forwarded either way. A
 * request the proxy cannot send because of its own shape is the client's
 * 4xx and never an upstream failure: it must not move any breaker.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeUpstream } from '../testing/fake-upstream.js';
import { rawRequest } from '../testing/cli-process.js';
import { rawHttp } from '../testing/raw-http.js';
import { startTestGateway } from './gateway-test-kit.js';
import type { Gateway } from './gateway.js';
import { Upstream } from './upstreams/upstream.js';
import { forward } from './proxy/forward.js';
import { classify, retryable } from './proxy/upstream-error.js';

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});
async function gatewayFor(urls: string[]): Promise<Gateway> {
  const g = await startTestGateway({ social: urls, breaker: { failures: 3, halfOpenAfterMs: 60_000 } });
  cleanups.push(() => g.close());
  return g;
}

describe('gateway: hop-by-hop and proxy-only headers', () => {
  it('100 requests with Expect: 100-continue leave every breaker closed, reach the replica without Expect, and normal traffic is unaffected', async () => {
    const a = await new FakeUpstream('a').listen();
    cleanups.push(() => a.kill());
    const g = await gatewayFor([a.url]);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 100; i++) {
      const res = await rawRequest(g.url, 'GET', '/api/tags', undefined, { expect: '100-continue' });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    const upstream = g.pools.get('social')!.all()[0]!;
    assert.equal(upstream.breaker.opens, 0, `breaker opened ${upstream.breaker.opens} times; statuses ${JSON.stringify([...statuses])}`);
    assert.equal(upstream.breaker.state, 'closed');
    assert.deepEqual([...statuses], [[200, 100]], 'each one is served (Expect is the gateway\'s business with the client)');
    assert.ok(a.seen.every((s) => s.headers['expect'] === undefined), 'Expect never reaches the replica');
    const normal = await rawRequest(g.url, 'GET', '/api/tags');
    assert.equal(normal.status, 200);
  });

  it('drops Connection and every header it names, Keep-Alive, TE, Trailer, Upgrade, Proxy-*, Expect on the way in', async () => {
    const a = await new FakeUpstream('a').listen();
    cleanups.push(() => a.kill());
    const g = await gatewayFor([a.url]);
    const res = await rawRequest(g.url, 'GET', '/api/tags', undefined, {
      connection: 'keep-alive, x-secret-hop',
      'x-secret-hop': 'must not pass',
      'keep-alive': 'timeout=5',
      te: 'trailers',
      'proxy-authorization': 'Basic Zm9vOmJhcg==',
      'proxy-foo': 'bar',
      'x-kept': 'yes',
    });
    assert.equal(res.status, 200);
    const seen = a.seen.at(-1)!.headers;
    for (const name of ['x-secret-hop', 'keep-alive', 'te', 'proxy-authorization', 'proxy-foo', 'expect', 'upgrade']) {
      assert.equal(seen[name], undefined, `${name} was forwarded`);
    }
    assert.equal(seen['x-kept'], 'yes', 'end-to-end headers pass');
  });

  it('drops hop-by-hop headers on the way out, including those the replica\'s Connection names', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/readyz') return void res.writeHead(200).end('{}');
      res.writeHead(200, {
        'content-type': 'application/json',
        connection: 'x-hop-out',
        'x-hop-out': 'secret',
        'keep-alive': 'timeout=99',
        'proxy-authenticate': 'Basic',
        'x-end-to-end': 'kept',
      }).end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const g = await gatewayFor([`http://127.0.0.1:${(server.address() as AddressInfo).port}`]);
    const res = await rawRequest(g.url, 'GET', '/api/tags');
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-hop-out'], undefined);
    assert.equal(res.headers['proxy-authenticate'], undefined);
    assert.notEqual(res.headers['keep-alive'], 'timeout=99');
    assert.equal(res.headers['x-end-to-end'], 'kept');
  });

  it('70 requests with header bytes undici would refuse (DEL, obs-text) never reach the breaker or wedge the pool', async () => {
    const a = await new FakeUpstream('a').listen();
    cleanups.push(() => a.kill());
    const g = await gatewayFor([a.url]);
    const statuses = new Set<number>();
    for (let i = 0; i < 70; i++) {
      for (const value of ['a\x7fb', 'caf\xe9', 'x\ty']) statuses.add((await rawHttp(g.url, 'GET', '/api/tags', { headers: { 'x-odd': value } })).status);
    }
    assert.ok([...statuses].every((s) => s < 500), `statuses ${[...statuses].join(',')}`);
    const upstream = g.pools.get('social')!.all()[0]!;
    assert.equal(upstream.breaker.opens, 0);
    assert.equal((await rawRequest(g.url, 'GET', '/api/tags', undefined, {}, 3000)).status, 200, 'the pool still sends');
  });

  it('a request undici refuses to send for its own shape is the client\'s fault: it counts against no breaker', async () => {
    const a = await new FakeUpstream('a').listen();
    cleanups.push(() => a.kill());
    const upstream = new Upstream('a', a.url, { breaker: { failures: 3, halfOpenAfterMs: 60_000 }, connections: 64, unhealthyAfter: 2, healthyAfter: 1 });
    cleanups.push(() => upstream.close());
    // A header undici will not send, as one a future client might smuggle past the filter.
    const unsendable = { method: 'GET' as const, path: '/api/tags', headers: { expect: '100-continue' }, body: undefined, timeoutMs: 1000 };
    for (let i = 0; i < 10; i++) {
      const err = await forward(upstream, unsendable).then(() => null, (e: unknown) => e);
      assert.equal(classify(err), 'unsendable', String(err));
      assert.equal(retryable('GET', err), false, 'not retried on another replica either');
    }
    assert.equal(upstream.breaker.opens, 0);
    assert.equal(upstream.breaker.state, 'closed');
    assert.equal(upstream.inFlight, 0);
    const ok = await forward(upstream, { ...unsendable, headers: {} });
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
  });
});
