// @isolated: stops and pauses a private redis-server, and bounds how long a limit check waits on it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from './rate-limiter.js';
import { MemoryStore } from './stores/memory.js';
import { RedisStore } from './stores/redis.js';
import { parsePolicies } from './policies.js';
import type { RateLimitPolicy, RequestFacts } from './policy.js';
import { ownRedisOptions, startOwnRedis, type OwnRedis } from '../../testing/redis-server.js';
import { sleep } from '../../testing/cli-process.js';
import { Redis } from 'ioredis';

const login: RateLimitPolicy = { name: 'login', key: 'ip', limit: 5, windowSeconds: 60, methods: ['POST'], path: '^/api/users/login$' };
const writes: RateLimitPolicy = { name: 'writes', key: 'user', limit: 3, windowSeconds: 60, methods: ['POST'], path: '^/api/articles' };
const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({ method: 'POST', path: '/api/users/login', ip: '10.0.0.1', userId: null, ...over });

describe('rate limiter (memory)', () => {
  it('admits exactly the allowance, then refuses with Retry-After; keys are separate', async () => {
    const limiter = new RateLimiter([login], new MemoryStore());
    const results = await Promise.all(Array.from({ length: 12 }, () => limiter.check(facts())));
    assert.equal(results.filter((d) => d.allowed).length, 5);
    const refused = results.find((d) => !d.allowed)!;
    assert.equal(refused.refusedBy, 'login');
    assert.ok(refused.retryAfterSeconds! >= 59 && refused.retryAfterSeconds! <= 60, String(refused.retryAfterSeconds));
    assert.equal((await limiter.check(facts({ ip: '10.0.0.2' }))).allowed, true, 'another address has its own allowance');
  });

  it('sets RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers) on limited routes only', async () => {
    const limiter = new RateLimiter([login, writes], new MemoryStore());
    const first = await limiter.check(facts());
    assert.equal(first.headers['ratelimit-policy'], '"login";q=5;w=60');
    assert.equal(first.headers['ratelimit'], '"login";r=4;t=60');
    assert.deepEqual((await limiter.check(facts({ method: 'GET', path: '/api/tags' }))).headers, {});
  });

  it("'user' policies count only signed-in requests, per user", async () => {
    const limiter = new RateLimiter([writes], new MemoryStore());
    const anonymous = await limiter.check(facts({ path: '/api/articles' }));
    assert.deepEqual(anonymous, { allowed: true, headers: {} });
    const a = await Promise.all(Array.from({ length: 5 }, () => limiter.check(facts({ path: '/api/articles', userId: 7 }))));
    assert.equal(a.filter((d) => d.allowed).length, 3);
    assert.equal((await limiter.check(facts({ path: '/api/articles', userId: 8 }))).allowed, true);
  });

  it('parses RATE_LIMITS, refusing bad policies by name', () => {
    assert.equal(parsePolicies(undefined).find((p) => p.name === 'login')?.limit, 10);
    assert.deepEqual(parsePolicies(JSON.stringify([login])), [login]);
    assert.throws(() => parsePolicies('[{"name":"x"}]'), /RATE_LIMITS is invalid/);
    assert.throws(() => parsePolicies('nope'), /not valid JSON/);
    assert.throws(() => parsePolicies(JSON.stringify([login, login])), /used twice/);
  });
});

describe('rate limiter (Redis, shared)', ownRedisOptions(), () => {
  let redis: OwnRedis;
  before(async () => {
    redis = await startOwnRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  it('two limiters on separate connections admit exactly the allowance between them under concurrency', async () => {
    const policy: RateLimitPolicy = { ...login, name: `exact${Date.now()}`, limit: 25 };
    const a = new RateLimiter([policy], new RedisStore({ url: redis.url }));
    const b = new RateLimiter([policy], new RedisStore({ url: redis.url }));
    await sleep(200); // both connected
    const all = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).check(facts())));
    assert.equal(all.filter((d) => d.allowed).length, 25);
    await a.close();
    await b.close();
  });

  it('with Redis stopped, the local insurance limiter still limits; shared again when Redis returns', async () => {
    const policy: RateLimitPolicy = { ...login, name: `insurance${Date.now()}`, limit: 4 };
    const states: boolean[] = [];
    const limiter = new RateLimiter([policy], new RedisStore({ url: redis.url, onDegraded: (d) => states.push(d) }));
    await sleep(200);
    assert.equal((await limiter.check(facts())).allowed, true);
    await redis.stop();
    await sleep(300);
    const during = await Promise.all(Array.from({ length: 10 }, () => limiter.check(facts())));
    assert.equal(during.filter((d) => d.allowed).length, 4, 'the insurance limiter admits its own allowance, no more');
    assert.ok(during.at(-1)!.headers['ratelimit'], 'headers still sent while degraded');
    await redis.start();
    await sleep(2500);
    await limiter.check(facts({ ip: '10.9.9.9' }));
    assert.deepEqual(states, [true, false], 'degraded, then recovered');
    await limiter.close();
  });

  it('a Redis that stops answering: after a few timeouts the insurance answers at once, without waiting on Redis', async () => {
    const policy: RateLimitPolicy = { ...login, name: `paused${Date.now()}`, limit: 100 };
    const limiter = new RateLimiter([policy], new RedisStore({ url: redis.url }));
    const admin = new Redis(redis.url);
    try {
      await sleep(200);
      assert.equal((await limiter.check(facts())).allowed, true);
      await admin.call('CLIENT', 'PAUSE', '4000', 'ALL');
      const pausedAt = performance.now();
      // Three calls time out (1 s command timeout) and open the breaker...
      await Promise.all(Array.from({ length: 3 }, () => limiter.check(facts())));
      // ...then a call is answered by the insurance without touching Redis.
      const started = performance.now();
      assert.equal((await limiter.check(facts())).allowed, true);
      const ms = performance.now() - started;
      assert.ok(ms < 200, `answered in ${ms.toFixed(1)} ms`);
      const sincePause = performance.now() - pausedAt;
      assert.ok(sincePause < 3_000, `all answered while Redis was still paused (${sincePause.toFixed(0)} ms of 4000), not after it`);
    } finally {
      await limiter.close();
      await admin.call('CLIENT', 'UNPAUSE').catch(() => {});
      admin.disconnect();
    }
  });
});
