// @isolated: heartbeats every 100 ms with a 400 ms TTL; a busy neighbour delays them past it.
/** Multi-host discovery: replicas heartbeat into Redis with a TTL; the gateway follows them appearing, leaving and dying silently. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeUpstream } from '../testing/fake-upstream.js';
import { rawRequest, sleep } from '../testing/cli-process.js';
import { ownRedisOptions, startOwnRedis, type OwnRedis } from '../testing/redis-server.js';
import { RedisRegistry } from '../platform/discovery/redis-registry.js';
import { startHeartbeat } from '../platform/discovery/heartbeat.js';
import { startTestGateway } from './gateway-test-kit.js';

describe('gateway following the Redis registry', ownRedisOptions(), () => {
  let redis: OwnRedis;
  before(async () => {
    redis = await startOwnRedis();
  });
  after(() => redis?.stop());

  it('adds a replica when it heartbeats, drops it on a clean stop, and after its TTL when it dies silently', async () => {
    const [a, b] = await Promise.all([new FakeUpstream('a').listen(), new FakeUpstream('b').listen()]);
    const replicaSide = new RedisRegistry(redis.url, 'ss:test-discovery');
    const gatewaySide = new RedisRegistry(redis.url, 'ss:test-discovery');
    await sleep(100);
    // a beats by hand so it can die silently later (no deregistration).
    const instanceA = { service: 'social', id: 'a', url: a.url };
    await replicaSide.heartbeat(instanceA, 400);
    const beatA = setInterval(() => void replicaSide.heartbeat(instanceA, 400), 100);
    const g = await startTestGateway({ registry: gatewaySide });
    try {
      await sleep(300);
      const urls = () => g.pools.get('social')!.all().map((u) => u.url);
      assert.deepEqual(urls(), [a.url]);

      const beatB = startHeartbeat(replicaSide, { service: 'social', id: 'b', url: b.url }, { intervalMs: 100, ttlMs: 400 });
      await sleep(400);
      assert.deepEqual(urls().sort(), [a.url, b.url].sort(), 'b appeared');
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) seen.add(((await rawRequest(g.url, 'GET', '/api/tags')).body as { replica: string }).replica);
      assert.deepEqual([...seen].sort(), ['a', 'b']);

      await beatB.stop();
      await sleep(300);
      assert.deepEqual(urls(), [a.url], 'b left cleanly: gone at the next discovery tick');

      // a dies without a word: its heartbeats stop and its entry expires after the TTL.
      clearInterval(beatA);
      await a.kill();
      await sleep(700);
      assert.deepEqual(urls(), [], 'a vanished after its TTL');
      const none = await rawRequest(g.url, 'GET', '/api/tags');
      assert.equal(none.status, 503);
    } finally {
      clearInterval(beatA);
      await g.close();
      await replicaSide.close();
      await gatewaySide.close();
      await a.kill();
      await b.kill();
    }
  });
});
