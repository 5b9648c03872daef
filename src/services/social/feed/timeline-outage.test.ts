// @isolated: stops and restarts a private redis-server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { createArticle, registerUser, sleep } from '../../../testing/fixtures.js';
import { ownRedisOptions, startOwnRedis, type OwnRedis } from '../../../testing/redis-server.js';

const [pglite] = await dbTargets();

describe('feed while the timeline store (Redis) is away', ownRedisOptions(), () => {
  let redis: OwnRedis;
  let sys: TestSystem;
  before(async () => {
    redis = await startOwnRedis();
    sys = await startTestSystem(pglite!, { REDIS_URL: redis.url, FEED_STRATEGY: 'push' });
  });
  after(async () => {
    await sys?.close();
    await redis?.stop();
  });

  const metrics = async () => (await fetch(new URL('/metrics', sys.url))).text();

  it('a follow succeeds while Redis is down, dependency_up shows it, and the feed shows the new followee once Redis is back', async () => {
    const reader = await registerUser(sys.api);
    const author = await registerUser(sys.api);
    const article = await createArticle(sys.api, author.token);
    // The reader's timeline exists (empty) in Redis before the outage.
    assert.equal((await sys.api.get('/api/articles/feed', { token: reader.token })).body.articlesCount, 0);

    await redis.stop();
    await sleep(100);
    const follow = await sys.api.post(`/api/profiles/${author.username}/follow`, undefined, { token: reader.token });
    assert.equal(follow.status, 200, JSON.stringify(follow.body));
    const during = await sys.api.get('/api/articles/feed', { token: reader.token });
    assert.equal(during.status, 200);
    assert.deepEqual(during.body.articles.map((a: { slug: string }) => a.slug), [article.slug], 'read from Postgres meanwhile');
    assert.match(await metrics(), /dependency_up\{dependency="redis",client="timelines"\} 0/, 'the breaker shows Redis bypassed');

    await redis.start();
    await sleep(1_500); // the client reconnects and the breaker closes
    const back = await sys.api.get('/api/articles/feed', { token: reader.token });
    assert.deepEqual(back.body.articles.map((a: { slug: string }) => a.slug), [article.slug], 'the timeline was rebuilt with the followee');
    assert.match(await metrics(), /dependency_up\{dependency="redis",client="timelines"\} 1/, 'and in use again');
  });
});
