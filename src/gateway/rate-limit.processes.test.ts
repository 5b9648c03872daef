// @isolated: several real processes under load; a busy neighbour makes the gateway shed load.
/**
 * Acceptance: two gateway processes sharing one Redis admit exactly the
 * policy's allowance between them, never more, under concurrent load; the
 * RateLimit headers are right; with Redis stopped, each gateway's insurance
 * limiter still limits. Redis here is a private redis-server on a spare
 * port, stopped on purpose (never the shared one).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, sleep, spawnCli, type NodeProcess, type RawResponse } from '../testing/cli-process.js';
import { FakeUpstream } from '../testing/fake-upstream.js';
import { ownRedisOptions, startOwnRedis, type OwnRedis } from '../testing/redis-server.js';
import { TEST_INTERNAL_SECRET, TEST_JWT_SECRET } from './gateway-test-kit.js';
import { everyServiceAt } from '../testing/gateway-upstreams.js';

const ALLOWANCE = 20;
const POLICY = { name: 'login', key: 'ip', limit: ALLOWANCE, windowSeconds: 60, methods: ['POST'], path: '^/api/users/login$' };

describe('rate limits shared by two gateway processes through Redis', ownRedisOptions(), () => {
  let redis: OwnRedis;
  let upstream: FakeUpstream;
  const gateways: NodeProcess[] = [];

  before(async () => {
    redis = await startOwnRedis();
    upstream = await new FakeUpstream('identity').listen();
    const env = {
      JWT_SECRET: TEST_JWT_SECRET,
      INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      REDIS_URL: redis.url,
      RATE_LIMITS: JSON.stringify([POLICY]),
      GATEWAY_UPSTREAMS: everyServiceAt(upstream.url),
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
    };
    const procs = await Promise.all([spawnCli({ env }, 'gateway'), spawnCli({ env }, 'gateway')]);
    gateways.push(...procs);
    await Promise.all(procs.map((p) => p.waitReady('/readyz', 60_000)));
  });
  after(async () => {
    for (const g of gateways) await g.stop('SIGTERM').catch(() => {});
    await upstream?.kill();
    await redis?.stop();
  });

  const login = (g: NodeProcess) => rawRequest(g.url, 'POST', '/api/users/login', { user: { email: 'a@b.c', password: 'x' } });

  it('admit exactly the allowance between them under 100 concurrent requests, with RateLimit headers and 429 + Retry-After', async () => {
    const results: RawResponse[] = await Promise.all(Array.from({ length: 100 }, (_, i) => login(gateways[i % 2]!)));
    const ok = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.status === 429);
    assert.equal(ok.length, ALLOWANCE, `admitted ${ok.length}, policy allows ${ALLOWANCE}`);
    assert.equal(limited.length, 100 - ALLOWANCE);
    assert.equal(upstream.seen.length, ALLOWANCE, 'refused requests never reach the service');
    for (const r of results) assert.equal(r.headers['ratelimit-policy'], `"login";q=${ALLOWANCE};w=60`);
    const remaining = ok.map((r) => Number(/r=(\d+)/.exec(String(r.headers['ratelimit']))?.[1])).sort((a, b) => a - b);
    assert.deepEqual(remaining, Array.from({ length: ALLOWANCE }, (_, i) => i), 'each admitted request saw a distinct remaining count');
    const refused = limited[0]!;
    assert.equal(refused.headers['x-error-code'], 'SS_RATE_LIMITED');
    assert.match(String(refused.headers['ratelimit']), /^"login";r=0;t=\d+$/);
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.deepEqual(refused.body, { errors: { rate: ['limit "login" exceeded'] } });
    const other = await rawRequest(gateways[0]!.url, 'GET', '/api/tags');
    assert.equal(other.headers['ratelimit'], undefined, 'routes without a policy carry no RateLimit headers');
  });

  it('with Redis stopped, each gateway falls back to its local insurance limiter and still limits', async () => {
    await redis.stop();
    await sleep(300);
    const results = await Promise.all(Array.from({ length: 30 }, () => login(gateways[0]!)));
    const ok = results.filter((r) => r.status === 200).length;
    const limited = results.filter((r) => r.status === 429).length;
    assert.equal(ok + limited, 30, `only 200 or 429: ${results.map((r) => r.status).join(',')}`);
    assert.ok(ok <= ALLOWANCE, `insurance admitted ${ok} (at most ${ALLOWANCE} per gateway)`);
    assert.ok(limited >= 30 - ALLOWANCE, `insurance refused ${limited}`);
  });
});
