import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../log/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { openCache } from '../cache/open-cache.js';
import { switchableCache } from './switchable-cache.js';
import type { SwitchBoard, SwitchValues } from './switches.js';

const inner = await openCache(loadConfig({}, { CACHE_PREFIX: `switch-${randomBytes(4).toString('hex')}` }), createMetrics(), createLogger({ level: 'silent', pretty: false }));
after(() => inner.close());

describe('the cacheEnabled switch', () => {
  it('off, peek holds nothing even for a value the near cache has (reads go to the source); on again, it answers', async () => {
    const values: SwitchValues = { feedStrategy: 'pull', celebrityThreshold: 5, cacheEnabled: true };
    // Only values() is read by the switchable cache.
    const cache = switchableCache(inner, { values: () => values } as unknown as SwitchBoard);
    await cache.getOrLoad('link', 'k', async () => 'cached');
    assert.equal(cache.peek('link', 'k'), 'cached');
    values.cacheEnabled = false;
    assert.equal(cache.peek('link', 'k'), undefined);
    assert.equal(await cache.getOrLoad('link', 'k', async () => 'from the source'), 'from the source');
    values.cacheEnabled = true;
    assert.equal(cache.peek('link', 'k'), 'cached');
  });
});
