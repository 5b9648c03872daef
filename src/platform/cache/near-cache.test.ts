import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { createLogger } from '../log/logger.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { skipUnlessAvailable } from '../../testing/services-required.js';
import { redisUnavailable, TEST_REDIS_URL as REDIS_URL } from '../../testing/redis-probe.js';
import type { Cache } from './cache.js';
import { openCache } from './open-cache.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const opened: Cache[] = [];
async function open(metrics: Metrics, overrides: Partial<Config> = {}): Promise<Cache> {
  const config = loadConfig({}, { CACHE_PREFIX: `near-${randomBytes(4).toString('hex')}`, CACHE_TTL_JITTER: 0, ...overrides });
  const cache = await openCache(config, metrics, createLogger({ level: 'silent', pretty: false }));
  opened.push(cache);
  return cache;
}
after(async () => {
  await Promise.all(opened.map((c) => c.close()));
});

async function nearHits(metrics: Metrics, kind: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric('cache_hits_total')!.get();
  return metric.values.filter((v) => v.labels['cache'] === kind && v.labels['tier'] === 'near').reduce((sum, v) => sum + v.value, 0);
}

describe('near cache (embedded: over L1)', () => {
  it('answers repeat reads with one shared, frozen object', async () => {
    const metrics = createMetrics();
    const cache = await open(metrics);
    let loads = 0;
    const load = async () => ({ id: ++loads, tags: ['a'] });
    const first = await cache.getOrLoad('article', 'k', load);
    const second = await cache.getOrLoad('article', 'k', load);
    assert.equal(loads, 1);
    assert.equal(second, first, 'the same object');
    assert.equal(await nearHits(metrics, 'article'), 1);
    assert.throws(() => (second.tags as string[]).push('b'), TypeError, 'a shared copy cannot be changed by one reader');
  });

  it('never keeps a copy past its TTL from the load', async () => {
    const cache = await open(createMetrics(), { CACHE_TTL_ARTICLE_S: 1, CACHE_GRACE_S: 0 });
    let loads = 0;
    await cache.getOrLoad('article', 'ttl', async () => ++loads);
    await sleep(1_100);
    assert.equal(await cache.getOrLoad('article', 'ttl', async () => ++loads), 2);
  });

  it('our writes drop copies at once: set, delete, and tags (also for copies a batch read kept)', async () => {
    const cache = await open(createMetrics());
    assert.equal(await cache.getOrLoad('profile', '1', async () => 'old'), 'old');
    await cache.set('profile', '1', 'new');
    assert.equal(await cache.getOrLoad('profile', '1', async () => 'loaded'), 'new');
    await cache.delete('profile', '1');
    assert.equal(await cache.getOrLoad('profile', '1', async () => 'reloaded'), 'reloaded');

    await cache.set('list', 'p1', [1], { tags: ['lists'] });
    assert.deepEqual([...(await cache.getMany('list', ['p1'])).values()], [[1]]);
    assert.deepEqual([...(await cache.getMany('list', ['p1'])).values()], [[1]], 'now served near');
    await cache.invalidateTags(['lists']);
    assert.equal((await cache.getMany('list', ['p1'])).size, 0);
  });

  it('does not keep a value whose load overlapped an invalidation', async () => {
    const metrics = createMetrics();
    const cache = await open(metrics);
    let release!: () => void;
    const slow = cache.getOrLoad('article', 'race', () => new Promise<string>((resolve) => (release = () => resolve('before the write'))));
    await sleep(10);
    const write = cache.delete('article', 'race');
    release();
    assert.equal(await slow, 'before the write', 'the racing reader still gets its answer');
    await write;
    // Whatever the tiers below hold now (bentocache may have stored the racing load: cache-aside's own race,
    // bounded by the TTL), the near cache did not keep it: the next read goes below.
    await cache.getOrLoad('article', 'race', async () => 'after the write');
    assert.equal(await nearHits(metrics, 'article'), 0);
  });

  it('is off with CACHE_NEAR_ENABLED=false: every hit is L1', async () => {
    const metrics = createMetrics();
    const cache = await open(metrics, { CACHE_NEAR_ENABLED: false });
    await cache.getOrLoad('tags', 'all', async () => ['x']);
    await cache.getOrLoad('tags', 'all', async () => ['x']);
    assert.equal(await nearHits(metrics, 'tags'), 0);
  });

  it('peek answers a fresh near copy synchronously, counted as a near hit; nothing held, expired, dropped or near off is undefined', async () => {
    const metrics = createMetrics();
    const cache = await open(metrics, { CACHE_TTL_LINK_S: 1, CACHE_GRACE_S: 0 });
    assert.equal(cache.peek('link', 'p'), undefined, 'not loaded yet: the tiers below are not asked');
    const value = await cache.getOrLoad('link', 'p', async () => ({ url: 'https://a.example/' }));
    const held = cache.peek<{ url: string }>('link', 'p');
    assert.ok(!(held instanceof Promise), 'a value, not a promise');
    assert.equal(held, value, 'the near copy itself');
    assert.equal(await nearHits(metrics, 'link'), 1);
    await cache.delete('link', 'p');
    assert.equal(cache.peek('link', 'p'), undefined, 'our write dropped it');
    await cache.getOrLoad('link', 'p', async () => ({ url: 'https://b.example/' }));
    await sleep(1_100);
    assert.equal(cache.peek('link', 'p'), undefined, 'past its TTL');

    const plain = await open(createMetrics(), { CACHE_NEAR_ENABLED: false });
    await plain.getOrLoad('link', 'q', async () => 'x');
    assert.equal(plain.peek('link', 'q'), undefined, 'no near cache: nothing in memory outside a promise');
  });
});

describe('near cache across instances (L1 + L2 Redis + bus)', skipUnlessAvailable(await redisUnavailable()), () => {
  const until = async (what: string, check: () => Promise<boolean>) => {
    for (const deadline = Date.now() + 3_000; Date.now() < deadline; await sleep(20)) if (await check()) return;
    assert.fail(`${what} within 3 s`);
  };

  it("another instance's writes and tag invalidations drop our near copies", async () => {
    const prefix = `near-${randomBytes(4).toString('hex')}`;
    const reader = await open(createMetrics(), { REDIS_URL, CACHE_PREFIX: prefix });
    const writer = await open(createMetrics(), { REDIS_URL, CACHE_PREFIX: prefix });
    await sleep(200); // both subscribed to the bus

    assert.equal(await reader.getOrLoad('profile', '9', async () => 'v1'), 'v1');
    assert.equal(await reader.getOrLoad('profile', '9', async () => 'unused'), 'v1', 'served near');
    await writer.set('profile', '9', 'v2');
    await until('the write-through reaches the reader', async () => (await reader.getOrLoad('profile', '9', async () => 'from db')) === 'v2');

    await reader.getOrLoad('list', 'page', async () => ['a'], { tags: ['lists'] });
    await writer.invalidateTags(['lists']);
    await until('the tag invalidation reaches the reader', async () => (await reader.getOrLoad('list', 'page', async () => ['b'], { tags: ['lists'] }))[0] === 'b');
  });

  it('instances with and without a near cache share one Redis: each reads the values the other stored', async () => {
    const prefix = `near-${randomBytes(4).toString('hex')}`;
    const near = await open(createMetrics(), { REDIS_URL, CACHE_PREFIX: prefix });
    const plain = await open(createMetrics(), { REDIS_URL, CACHE_PREFIX: prefix, CACHE_NEAR_ENABLED: false });
    await sleep(200);
    await near.set('article', 'a', { title: 'from near' });
    assert.deepEqual(await plain.getOrLoad('article', 'a', async () => ({ title: 'db' })), { title: 'from near' });
    await plain.set('article', 'b', { title: 'from plain' });
    assert.deepEqual(await near.getOrLoad('article', 'b', async () => ({ title: 'db' })), { title: 'from plain' });
    assert.deepEqual([...(await plain.getMany('article', ['a', 'b'])).values()], [{ title: 'from near' }, { title: 'from plain' }]);
  });
});
