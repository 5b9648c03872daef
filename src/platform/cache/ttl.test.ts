import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../config/load-config.js';
import { ttlMs } from './ttl.js';

describe('ttlMs', () => {
  const config = loadConfig({});

  it('uses the per-kind defaults: profile 5 min, article 60 s, tags 5 min', () => {
    const none = () => 0;
    assert.equal(ttlMs(config, 'profile', none), 300_000);
    assert.equal(ttlMs(config, 'article', none), 60_000);
    assert.equal(ttlMs(config, 'tags', none), 300_000);
  });

  it('jitters downwards only, by at most CACHE_TTL_JITTER', () => {
    for (let i = 0; i < 1000; i++) {
      const ttl = ttlMs(config, 'article');
      assert.ok(ttl <= 60_000 && ttl >= 54_000, `ttl ${ttl}`);
    }
  });
});
