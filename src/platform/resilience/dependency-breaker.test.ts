// @isolated: kills, pauses and restarts a private redis-server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { Redis } from 'ioredis';
import { ownRedisOptions, startOwnRedis, type OwnRedis } from '../../testing/redis-server.js';
import { sleep } from '../../testing/fixtures.js';
import { createRedis, REDIS_DEFAULTS } from '../redis/create-redis.js';
import { DependencyBreaker, registerDependencyMetrics } from './dependency-breaker.js';

async function until(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Whether the private server answers (a failed test must not leave it stopped for the next). */
async function listening(redis: OwnRedis): Promise<boolean> {
  const probe = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

describe('Redis clients and the dependency breaker', { ...ownRedisOptions(), timeout: 60_000 }, () => {
  let redis: OwnRedis;
  before(async () => {
    redis = await startOwnRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  it('a lost connection opens the breaker at once: calls are bypassed without touching Redis; it closes by itself when Redis is back', async () => {
    const client = createRedis(redis.url, { name: 'test' });
    const breaker = new DependencyBreaker('redis', 'test-lost').watch(client);
    const registry = new Registry();
    registerDependencyMetrics(registry);
    try {
      assert.equal(await breaker.execute(() => client.ping()), 'PONG');
      assert.match(await registry.metrics(), /dependency_up\{dependency="redis",client="test-lost"\} 1/);
      await redis.stop();
      await until('the breaker to open', () => !breaker.up, 1_000);
      assert.match(await registry.metrics(), /dependency_up\{dependency="redis",client="test-lost"\} 0/);
      let reached = 0;
      for (let i = 0; i < 100; i++) {
        await assert.rejects(breaker.execute(async () => {
          reached++;
          return client.get('k');
        }));
      }
      assert.equal(reached, 0, 'no call reached the client while the breaker was open');
      await redis.start();
      await until('the breaker to close by itself', () => breaker.up, 3_000);
      assert.equal(await breaker.execute(() => client.ping()), 'PONG');
      assert.match(await registry.metrics(), /dependency_up\{dependency="redis",client="test-lost"\} 1/);
    } finally {
      breaker.close();
      client.disconnect();
      if (!(await listening(redis))) await redis.start();
    }
  });

  it('a server that stops answering opens the breaker after N timeouts; a background probe closes it with no caller involved', async () => {
    const client = createRedis(redis.url, { name: 'test', overrides: { commandTimeout: 100 } });
    const breaker = new DependencyBreaker('redis', 'test-hung', { failures: 2, probeEveryMs: 200 }).watch(client);
    const admin = new Redis(redis.url);
    try {
      await client.ping();
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      for (let i = 0; i < 2; i++) await assert.rejects(breaker.execute(() => client.get('k')), /timed out/);
      assert.equal(breaker.up, false, 'open after 2 timeouts');
      await assert.rejects(breaker.execute(() => client.get('k')), /circuit/i);
      await until('the probe to close it after the pause', () => breaker.up, 5_000);
      assert.equal(await breaker.execute(() => client.ping()), 'PONG');
    } finally {
      breaker.close();
      client.disconnect();
      admin.disconnect();
    }
  });

  it('a command client fails at once while Redis is down (no offline queue, no retries), and reconnects within a second of its return', async () => {
    const client = createRedis(redis.url, { name: 'test' });
    try {
      await client.ping();
      assert.equal(client.options.enableOfflineQueue, false, 'offline queue off once connected');
      await redis.stop();
      await until('the client to see the loss', () => client.status !== 'ready', 1_000);
      const started = performance.now();
      await assert.rejects(client.get('k'));
      const failedInMs = performance.now() - started;
      assert.ok(failedInMs < 100, `failed after ${failedInMs.toFixed(1)} ms`);
      await redis.start();
      const back = performance.now();
      await until('the client to reconnect', () => client.status === 'ready', 3_000);
      assert.ok(performance.now() - back < 1_500, `reconnected after ${(performance.now() - back).toFixed(0)} ms`);
    } finally {
      client.disconnect();
      if (!(await listening(redis))) await redis.start();
    }
  });

  it('a blocking client (BullMQ workers, stream reads) waits instead: maxRetriesPerRequest null, offline queue on, no command timeout', async () => {
    const client = createRedis(redis.url, { name: 'test', use: 'blocking' });
    try {
      await client.ping();
      assert.equal(client.options.maxRetriesPerRequest, null);
      assert.equal(client.options.enableOfflineQueue, true);
      assert.equal(client.options.commandTimeout, undefined);
      const command = createRedis(redis.url, { name: 'test' });
      assert.equal(command.options.maxRetriesPerRequest, REDIS_DEFAULTS.maxRetriesPerRequest);
      const copy = command.duplicate();
      assert.equal(copy.options.connectionName, 'scalestack:test', 'duplicates come from the factory');
      command.disconnect();
      copy.disconnect();
    } finally {
      client.disconnect();
    }
  });
});
