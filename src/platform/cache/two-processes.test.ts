import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { dbTargets } from '../../testing/db-targets.js';
import { spawnCli, type NodeProcess } from '../../testing/cli-process.js';
import { createApiClient, type ApiClient } from '../../testing/api-client.js';
import { createArticle, registerUser, type TestUser } from '../../testing/fixtures.js';
import { skipUnlessAvailable } from '../../testing/services-required.js';
import { TEST_REDIS_URL as REDIS_URL } from '../../testing/redis-probe.js';

/**
 * The TTL is long on purpose: an entry would outlive the whole test, so when
 * the other process sees a change within BUS_BOUND_MS, only the invalidation
 * bus can have told it (a short TTL would let expiry pass for the bus).
 */
const TTL_S = 60;
/** Generous for a message over local Redis (typically a few ms), and a twelfth of the TTL. */
const BUS_BOUND_MS = 5000;
const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;

/** Polls `read` until `fresh` holds; returns how long that took (ms). Fails past `boundMs`. */
async function freshWithin(boundMs: number, read: () => Promise<unknown>, fresh: (value: unknown) => boolean): Promise<number> {
  const started = Date.now();
  while (Date.now() - started <= boundMs) {
    if (fresh(await read())) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`still stale after ${Date.now() - started} ms (bound ${boundMs} ms, TTL ${TTL_S * 1000} ms: the invalidation did not arrive)`);
}

describe('cache across two processes sharing Postgres and Redis', postgres.options, () => {
  let databaseUrl: string | undefined;
  let a: NodeProcess;
  let b: NodeProcess;
  let apiA: ApiClient;
  let apiB: ApiClient;
  let author: TestUser;

  before(async () => {
    skipUnlessAvailable(null);
    databaseUrl = await postgres.create();
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      CACHE_PREFIX: `two-${randomBytes(4).toString('hex')}`,
      JWT_SECRET: randomBytes(32).toString('hex'),
      CACHE_TTL_ARTICLE_S: String(TTL_S),
      CACHE_TTL_PROFILE_S: String(TTL_S),
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_TIME_COST: '1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false',
    };
    a = await spawnCli({ env });
    await a.waitReady('/readyz', 30_000);
    b = await spawnCli({ env });
    await b.waitReady('/readyz', 30_000);
    apiA = createApiClient(a.url);
    apiB = createApiClient(b.url);
    author = await registerUser(apiA);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await postgres.drop(databaseUrl);
  });

  it('the writer reads its write at once; the other process within seconds, long before the TTL (the bus dropped its copy)', async (t) => {
    const { slug } = await createArticle(apiA, author.token, { tagList: ['shared'] });
    assert.equal((await apiB.get(`/api/articles/${slug}`)).body.article.body, 'The body of the article');

    await apiA.put(`/api/articles/${slug}`, { article: { body: 'edited on A' } }, { token: author.token });
    assert.equal((await apiA.get(`/api/articles/${slug}`)).body.article.body, 'edited on A', 'read-your-writes on A');
    const lag = await freshWithin(BUS_BOUND_MS, async () => (await apiB.get(`/api/articles/${slug}`)).body.article.body, (v) => v === 'edited on A');
    t.diagnostic(`B saw the edit after ${lag} ms (TTL ${TTL_S * 1000} ms: the Redis bus dropped B's L1 copy)`);
  });

  it('a profile write-through on one process is seen by the other within seconds, long before the TTL', async (t) => {
    assert.equal((await apiB.get(`/api/profiles/${author.username}`)).body.profile.bio, null);
    const listOnB = async () => (await apiB.get(`/api/articles?author=${author.username}`)).body.articles[0].author.bio;
    assert.equal(await listOnB(), null);
    await apiA.put('/api/user', { user: { bio: 'written through' } }, { token: author.token });
    assert.equal((await apiA.get(`/api/profiles/${author.username}`)).body.profile.bio, 'written through');
    assert.equal((await apiA.get(`/api/articles?author=${author.username}`)).body.articles[0].author.bio, 'written through');
    const lag = await freshWithin(BUS_BOUND_MS, async () => (await apiB.get(`/api/profiles/${author.username}`)).body.profile.bio, (v) => v === 'written through');
    await freshWithin(BUS_BOUND_MS, listOnB, (v) => v === 'written through');
    t.diagnostic(`B saw the bio after ${lag} ms`);
  });

  it('list pages cached on one process pick up an article published on the other within seconds, long before the TTL', async () => {
    const before = (await apiB.get('/api/articles?tag=shared')).body.articlesCount as number;
    await createArticle(apiA, author.token, { tagList: ['shared'] });
    assert.equal((await apiA.get('/api/articles?tag=shared')).body.articlesCount, before + 1);
    await freshWithin(BUS_BOUND_MS, async () => (await apiB.get('/api/articles?tag=shared')).body.articlesCount, (v) => v === before + 1);
  });
});
