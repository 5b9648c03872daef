import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { CacheMetrics } from './cache-metrics.js';

/** The exposition text's value of one series, as Prometheus scrapes it (0 when absent). */
async function series(registry: Registry, line: string): Promise<number> {
  const text = await registry.metrics();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

describe('cache metrics (counted in plain numbers, handed to prom-client at scrape)', () => {
  it('every scrape shows all hits, misses and stale answers so far: none lost between scrapes, none counted twice', async () => {
    const registry = new Registry();
    const metrics = new CacheMetrics(registry);
    for (let i = 0; i < 3; i++) metrics.hit('article', 'near', false);
    metrics.hit('article', 'l2', true);
    metrics.miss('article');

    assert.equal(await series(registry, 'cache_hits_total{cache="article",tier="near"}'), 3);
    assert.equal(await series(registry, 'cache_hits_total{cache="article",tier="l2"}'), 1);
    assert.equal(await series(registry, 'cache_misses_total{cache="article"}'), 1);
    assert.equal(await series(registry, 'cache_stale_served_total{cache="article"}'), 1);

    // Between scrapes: more of the same kind, and a kind first counted now.
    metrics.hit('article', 'near', false);
    metrics.hit('article', 'near', false);
    metrics.hit('profile', 'l1', false);
    metrics.miss('profile');

    assert.equal(await series(registry, 'cache_hits_total{cache="article",tier="near"}'), 5);
    assert.equal(await series(registry, 'cache_hits_total{cache="article",tier="l2"}'), 1, 'nothing new: unchanged');
    assert.equal(await series(registry, 'cache_misses_total{cache="article"}'), 1);
    assert.equal(await series(registry, 'cache_hits_total{cache="profile",tier="l1"}'), 1);
    assert.equal(await series(registry, 'cache_misses_total{cache="profile"}'), 1);
    assert.equal(await series(registry, 'cache_stale_served_total{cache="article"}'), 1);
    // A scrape with nothing new in between changes nothing.
    assert.equal(await series(registry, 'cache_hits_total{cache="article",tier="near"}'), 5);
  });

  it('the hit ratio is every tier\'s hits over hits and misses, per cache', async () => {
    const registry = new Registry();
    const metrics = new CacheMetrics(registry);
    metrics.hit('article', 'near', false);
    metrics.hit('article', 'l1', false);
    metrics.hit('article', 'l2', false);
    metrics.miss('article');
    assert.equal(await series(registry, 'cache_hit_ratio{cache="article"}'), 0.75);
  });
});
