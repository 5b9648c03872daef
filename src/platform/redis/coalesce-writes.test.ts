import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { createRedis } from './create-redis.js';
import { redisUnavailable, TEST_REDIS_URL } from '../../testing/redis-probe.js';
import { skipUnlessAvailable } from '../../testing/services-required.js';

type Counted = { _write: (...args: unknown[]) => unknown; _writev?: (...args: unknown[]) => unknown };

/** The socket writes the client's current connection makes from now on (each `_write` or `_writev` is one). */
function countWrites(client: Redis): () => number {
  const socket = client.stream as unknown as Counted;
  let writes = 0;
  for (const name of ['_write', '_writev'] as const) {
    const original = socket[name];
    if (!original) continue;
    socket[name] = (...args: unknown[]) => {
      writes++;
      return original.apply(socket, args);
    };
  }
  return () => writes;
}

/** Five commands in one tick, each depending on the one before: their replies prove the order was kept. */
async function fiveInOneTick(client: Redis, key: string): Promise<unknown[]> {
  return Promise.all([client.set(key, 'a'), client.append(key, 'b'), client.get(key), client.del(key), client.exists(key)]);
}

describe('a command client sends one tick of commands in one socket write', skipUnlessAvailable(await redisUnavailable()), () => {
  let client: Redis;
  let admin: Redis;
  const key = `coalesce-writes-test:${process.pid}`;
  before(async () => {
    client = createRedis(TEST_REDIS_URL, { name: 'coalesce-test' });
    admin = createRedis(TEST_REDIS_URL, { name: 'coalesce-test-admin' });
    await Promise.all([once(client, 'ready'), once(admin, 'ready')]);
  });
  after(() => {
    client?.disconnect();
    admin?.disconnect();
  });

  it('five commands leave in one write and are answered in the order sent', async () => {
    const writes = countWrites(client);
    assert.deepEqual(await fiveInOneTick(client, key), ['OK', 2, 'ab', 1, 0]);
    assert.equal(writes(), 1);
  });

  it('commands of separate ticks are not held back for each other', async () => {
    const writes = countWrites(client);
    assert.equal(await client.set(key, 'x'), 'OK');
    assert.equal(await client.get(key), 'x');
    await client.del(key);
    assert.equal(writes(), 3);
  });

  it('a reconnected client coalesces on its new connection', async () => {
    const id = await client.client('ID');
    const ready = once(client, 'ready');
    await admin.client('KILL', 'ID', String(id));
    await ready;
    const writes = countWrites(client);
    assert.deepEqual(await fiveInOneTick(client, key), ['OK', 2, 'ab', 1, 0]);
    assert.equal(writes(), 1);
  });
});
