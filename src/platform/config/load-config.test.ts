import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from './load-config.js';

describe('loadConfig', () => {
  it('gives the embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.PORT, 8080);
    assert.equal(config.DATA_DIR, './.data');
    assert.equal(config.DATABASE_URL, undefined);
    assert.equal(config.FEED_STRATEGY, 'hybrid');
    assert.equal(config.FEED_CELEBRITY_THRESHOLD, 10_000);
  });

  it('converts numbers from strings', () => {
    assert.equal(loadConfig({ PORT: '9090' }).PORT, 9090);
  });

  it('fails fast naming the bad variable', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /PORT="eighty"/);
      return true;
    });
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
    assert.throws(() => loadConfig({ JWT_SECRET: 'short' }), /JWT_SECRET/);
  });
});
