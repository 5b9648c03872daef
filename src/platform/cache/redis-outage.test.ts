import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { createArticle, registerUser, sleep, type TestUser } from '../../testing/fixtures.js';
import { ownRedisOptions, startOwnRedis, type OwnRedis } from '../../testing/redis-server.js';

const [pglite] = await dbTargets();

/** Keys the cache holds in Redis right now. */
async function keysIn(redis: OwnRedis): Promise<number> {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  try {
    return await client.dbsize();
  } finally {
    client.disconnect();
  }
}

describe('cache when Redis goes away under load', ownRedisOptions(), () => {
  let redis: OwnRedis;
  let sys: TestSystem;
  let author: TestUser;
  const slugs: string[] = [];

  before(async () => {
    // A private redis-server: the shared one other suites use is never stopped.
    redis = await startOwnRedis();
    sys = await startTestSystem(pglite!, { REDIS_URL: redis.url, RATE_LIMIT_ENABLED: false });
    author = await registerUser(sys.api);
    for (let i = 0; i < 30; i++) slugs.push((await createArticle(sys.api, author.token)).slug);
  });
  after(async () => {
    await sys?.close();
    await redis?.stop();
  });

  it('every request succeeds while Redis is stopped mid-load, and the cache recovers when it returns', async () => {
    assert.ok((await keysIn(redis)) > 0, 'L2 is in use before the outage');
    const failures: string[] = [];
    let served = 0;
    let stop = false;
    const worker = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const write = i % 10 === 0;
        const res = write
          ? await sys.api.put(`/api/articles/${slugs[n]}`, { article: { body: `edit ${i}` } }, { token: author.token })
          : await sys.api.get(`/api/articles/${slugs[(n * 7 + i) % slugs.length]}`);
        served++;
        if (res.status !== 200) failures.push(`${write ? 'PUT' : 'GET'} -> ${res.status} ${JSON.stringify(res.body)}`);
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, n) => worker(n)));
    await sleep(1500);
    await redis.stop();
    await sleep(2500);
    stop = true;
    await load;
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${served} requests failed`);
    assert.ok(served > 100, `the load ran (${served} requests)`);

    await redis.start();
    // Past ioredis's reconnect and the L2 circuit breaker (5 s), new entries reach Redis again.
    const deadline = Date.now() + 20_000;
    let keys = 0;
    while (Date.now() < deadline && keys === 0) {
      await sleep(500);
      const fresh = await createArticle(sys.api, author.token);
      assert.equal((await sys.api.get(`/api/articles/${fresh.slug}`)).status, 200);
      keys = await keysIn(redis);
    }
    assert.ok(keys > 0, 'the cache writes to Redis again once it is back');
  });
});
