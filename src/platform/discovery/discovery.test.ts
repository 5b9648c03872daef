import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRegistry } from './memory-registry.js';
import { RedisRegistry } from './redis-registry.js';
import { StaticRegistry } from './static-registry.js';
import { startHeartbeat } from './heartbeat.js';
import type { ServiceRegistry } from './registry.js';
import { ownRedisOptions, startOwnRedis, type OwnRedis } from '../../testing/redis-server.js';
import { sleep } from '../../testing/cli-process.js';

const a = { service: 'social', id: 'a', url: 'http://127.0.0.1:1' };
const b = { service: 'social', id: 'b', url: 'http://127.0.0.1:2' };

async function contract(registry: ServiceRegistry): Promise<void> {
  const hbA = startHeartbeat(registry, a, { intervalMs: 50, ttlMs: 200 });
  await registry.heartbeat(b, 200); // b beats once and then goes silent
  await sleep(30);
  assert.deepEqual((await registry.list('social')).map((i) => i.id), ['a', 'b']);
  assert.deepEqual(await registry.list('identity'), []);
  await sleep(350);
  assert.deepEqual((await registry.list('social')).map((i) => i.id), ['a'], 'b expired after its TTL; a kept beating');
  await hbA.stop();
  assert.deepEqual(await registry.list('social'), [], 'a clean stop deregisters at once');
}

describe('service discovery', () => {
  it('memory registry: heartbeats keep an entry, silence expires it, stop removes it', () => contract(new MemoryRegistry()));

  it('static registry lists config', async () => {
    const r = new StaticRegistry(new Map([['social', ['http://x:1', 'http://x:2']]]));
    assert.deepEqual((await r.list('social')).map((i) => i.url), ['http://x:1', 'http://x:2']);
  });

  describe('redis registry', ownRedisOptions(), () => {
    let redis: OwnRedis;
    before(async () => {
      redis = await startOwnRedis();
    });
    after(() => redis?.stop());
    it('the same contract in Redis', async () => {
      const registry = new RedisRegistry(redis.url, `ss:discovery:test${Date.now()}`);
      await sleep(100);
      await contract(registry);
      await registry.close();
    });
  });
});
