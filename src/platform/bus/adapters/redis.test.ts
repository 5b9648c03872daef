import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ownRedisOptions, startOwnRedis, type OwnRedis } from '../../../testing/redis-server.js';
import { createRedisTransport } from './redis.js';
import { busKeys } from './redis-streams.js';
import type { Envelope } from '../port.js';

const envelope = (topic: string, i: number): Envelope => ({ id: `e${i}`, topic, key: String(i), payload: { i }, headers: {}, attempt: 1 });

/** The Redis bus on a private redis-server: nothing else writes there, so every key and length is this test's. */
describe('Redis bus adapter', ownRedisOptions(), () => {
  let redis: OwnRedis;
  let probe: Redis;
  before(async () => {
    redis = await startOwnRedis();
    probe = new Redis(redis.url);
  });
  after(async () => {
    probe?.disconnect();
    await redis?.stop();
  });

  it('enqueueing many jobs adds no listener per job (no MaxListenersExceededWarning)', async () => {
    const transport = await createRedisTransport(redis.url);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 60; i++) await transport.enqueue('leak-check', { ...envelope('leak-check', i), id: `job-${i}` });
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(warnings.filter((w) => w.includes('MaxListeners')), []);
    } finally {
      process.off('warning', onWarning);
      await transport.close();
    }
  });

  it('trims a topic stream to about ?maxlen= entries as it writes', async () => {
    const transport = await createRedisTransport(`${redis.url}?maxlen=100`);
    try {
      for (let batch = 0; batch < 20; batch++) await transport.publish(Array.from({ length: 50 }, (_, i) => envelope('trim-len', batch * 50 + i)));
      const length = await probe.xlen(busKeys('scalestack').events('trim-len'));
      // MAXLEN ~ trims whole stream nodes (100 entries each by default), so a little over the cap stays.
      assert.ok(length <= 300, `${length} of 1000 entries left`);
      assert.ok(length >= 100, `${length}: at least the cap is kept`);
    } finally {
      await transport.close();
    }
  });

  it('trims events older than ?retention_ms= as it writes', async () => {
    const transport = await createRedisTransport(`${redis.url}?retention_ms=300`);
    try {
      for (let batch = 0; batch < 10; batch++) await transport.publish(Array.from({ length: 50 }, (_, i) => envelope('trim-age', batch * 50 + i)));
      await new Promise((r) => setTimeout(r, 400));
      await transport.publish(Array.from({ length: 250 }, (_, i) => envelope('trim-age', 1000 + i)));
      const length = await probe.xlen(busKeys('scalestack').events('trim-age'));
      // The 500 old entries are past the retention; MINID ~ keeps at most one partial node of them.
      assert.ok(length <= 350, `${length} entries left of 750 (500 of them past the retention)`);
    } finally {
      await transport.close();
    }
  });

  it('refuses a retention or maxlen that is not a positive number', async () => {
    await assert.rejects(createRedisTransport(`${redis.url}?retention_ms=0`), /retention_ms and maxlen/);
    await assert.rejects(createRedisTransport(`${redis.url}?maxlen=abc`), /retention_ms and maxlen/);
  });
});
