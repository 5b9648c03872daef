import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import {
  assertError,
  assertProfile,
  createArticle,
  favorite,
  feed,
  follow,
  registerUser,
  slugs,
} from '../../../testing/fixtures.js';
import { TEST_REDIS_URL as REDIS_URL } from '../../../testing/redis-probe.js';
import { dropRedisKeys } from '../../../testing/redis-keys.js';
import { statementsRecorded } from '../../../testing/statements.js';


/**
 * The feed contract holds under every strategy: pull, push, and hybrid (with
 * a threshold of 2 followers, so a suite mixes fanned-out authors and
 * authors merged at read). On the Postgres target, push and hybrid keep
 * their timelines in Redis; embedded, in memory.
 */
const strategies = ['pull', 'push', 'hybrid'] as const;

for (const strategy of strategies)
for (const target of await dbTargets()) {
  describe(`feed API [${strategy}, ${target.name}]`, target.options, () => {
    let sys: TestSystem;
    const prefix = `feed-${randomBytes(4).toString('hex')}`;
    const onRedis = target.name === 'postgres' && strategy !== 'pull';
    before(async () => {
      sys = await startTestSystem(target, {
        FEED_STRATEGY: strategy,
        FEED_CELEBRITY_THRESHOLD: 2,
        ...(onRedis ? { REDIS_URL, CACHE_PREFIX: prefix } : {}),
      });
    });
    after(async () => {
      await sys?.close();
      // Its private prefix's keys (timelines, cache entries and tag markers kept for days) would outlive the run on the shared Redis.
      if (onRedis) await dropRedisKeys(REDIS_URL, `${prefix}:*`);
    });

    it('401 "token: is missing" without a token', async () => {
      assertError(await sys.api.get('/api/articles/feed'), 401, 'token', 'is missing');
    });

    it('401 "token: is invalid" with a bad token', async () => {
      assertError(await sys.api.get('/api/articles/feed', { token: 'bad.token.here' }), 401, 'token', 'is invalid');
    });

    it('is empty for a user who follows nobody', async () => {
      const u = await registerUser(sys.api);
      await createArticle(sys.api, u.token);
      assert.deepEqual(await feed(sys.api, u.token), { articles: [], articlesCount: 0 });
    });

    it('shows only followed authors\' articles, newest first, following true, no body', async () => {
      const reader = await registerUser(sys.api);
      const b = await registerUser(sys.api);
      const c = await registerUser(sys.api);
      const d = await registerUser(sys.api);
      await follow(sys.api, reader.token, b.username);
      await follow(sys.api, reader.token, c.username);
      const b1 = await createArticle(sys.api, b.token);
      await createArticle(sys.api, d.token);
      const c1 = await createArticle(sys.api, c.token);
      await createArticle(sys.api, reader.token); // own articles are not in the feed
      const b2 = await createArticle(sys.api, b.token);
      const list = await feed(sys.api, reader.token);
      assert.deepEqual(slugs(list), [b2.slug, c1.slug, b1.slug]);
      assert.strictEqual(list.articlesCount, 3);
      for (const item of list.articles) {
        assert.ok(!('body' in item), 'feed items carry no body');
        assertProfile(item.author, { following: true });
        assert.ok([b.username, c.username].includes(item.author.username));
      }
    });

    it('shows articles written before the follow', async () => {
      const reader = await registerUser(sys.api);
      const b = await registerUser(sys.api);
      const old = await createArticle(sys.api, b.token);
      await follow(sys.api, reader.token, b.username);
      assert.deepEqual(slugs(await feed(sys.api, reader.token)), [old.slug]);
    });

    it('is per reader', async () => {
      const r1 = await registerUser(sys.api);
      const r2 = await registerUser(sys.api);
      const b = await registerUser(sys.api);
      await follow(sys.api, r1.token, b.username);
      const a = await createArticle(sys.api, b.token);
      assert.deepEqual(slugs(await feed(sys.api, r1.token)), [a.slug]);
      assert.deepEqual(await feed(sys.api, r2.token), { articles: [], articlesCount: 0 });
    });

    it('favorited reflects the reader', async () => {
      const reader = await registerUser(sys.api);
      const other = await registerUser(sys.api);
      const b = await registerUser(sys.api);
      await follow(sys.api, reader.token, b.username);
      const a1 = await createArticle(sys.api, b.token);
      const a2 = await createArticle(sys.api, b.token);
      await favorite(sys.api, reader.token, a1.slug);
      await favorite(sys.api, other.token, a2.slug);
      const list = await feed(sys.api, reader.token);
      const bySlug = new Map(list.articles.map((a) => [a.slug, a]));
      assert.equal(bySlug.get(a1.slug)?.favorited, true);
      assert.equal(bySlug.get(a1.slug)?.favoritesCount, 1);
      assert.equal(bySlug.get(a2.slug)?.favorited, false);
      assert.equal(bySlug.get(a2.slug)?.favoritesCount, 1);
    });

    it('limit and offset page it; articlesCount is the total', async () => {
      const reader = await registerUser(sys.api);
      const b = await registerUser(sys.api);
      const c = await registerUser(sys.api);
      await follow(sys.api, reader.token, b.username);
      await follow(sys.api, reader.token, c.username);
      const created: string[] = [];
      for (let i = 0; i < 5; i++) created.push((await createArticle(sys.api, i % 2 ? b.token : c.token)).slug);
      const newestFirst = [...created].reverse();
      const p1 = await feed(sys.api, reader.token, { limit: 2 });
      const p2 = await feed(sys.api, reader.token, { limit: 2, offset: 2 });
      const p3 = await feed(sys.api, reader.token, { limit: 2, offset: 4 });
      for (const p of [p1, p2, p3]) assert.strictEqual(p.articlesCount, 5);
      assert.equal(p1.articles.length, 2);
      assert.equal(p3.articles.length, 1);
      assert.deepEqual([...slugs(p1), ...slugs(p2), ...slugs(p3)], newestFirst);
      assert.deepEqual((await feed(sys.api, reader.token, { offset: 50 })).articles, []);
    });

    it('limit defaults to 20', async () => {
      const reader = await registerUser(sys.api);
      const b = await registerUser(sys.api);
      await follow(sys.api, reader.token, b.username);
      for (let i = 0; i < 21; i++) await createArticle(sys.api, b.token);
      const list = await feed(sys.api, reader.token);
      assert.equal(list.articles.length, 20);
      assert.equal(list.articlesCount, 21);
    });

    it('limit must be 1..100 and offset >= 0, else 422', async () => {
      const reader = await registerUser(sys.api);
      assertError(await sys.api.get('/api/articles/feed?limit=0', { token: reader.token }), 422, 'limit');
      assertError(await sys.api.get('/api/articles/feed?limit=101', { token: reader.token }), 422, 'limit');
      assertError(await sys.api.get('/api/articles/feed?offset=-1', { token: reader.token }), 422, 'offset');
    });

    it('unfollowing removes that author\'s articles', async () => {
      const reader = await registerUser(sys.api);
      const b = await registerUser(sys.api);
      const c = await registerUser(sys.api);
      await follow(sys.api, reader.token, b.username);
      await follow(sys.api, reader.token, c.username);
      await createArticle(sys.api, b.token);
      const kept = await createArticle(sys.api, c.token);
      const res = await sys.api.delete(`/api/profiles/${b.username}/follow`, { token: reader.token });
      assert.equal(res.status, 200);
      const list = await feed(sys.api, reader.token);
      assert.deepEqual(slugs(list), [kept.slug]);
      assert.equal(list.articlesCount, 1);
    });

    it('a deleted article leaves the feed', async () => {
      const reader = await registerUser(sys.api);
      const b = await registerUser(sys.api);
      await follow(sys.api, reader.token, b.username);
      const gone = await createArticle(sys.api, b.token);
      const kept = await createArticle(sys.api, b.token);
      assert.equal((await sys.api.delete(`/api/articles/${gone.slug}`, { token: b.token })).status, 204);
      const list = await feed(sys.api, reader.token);
      assert.deepEqual(slugs(list), [kept.slug]);
      assert.equal(list.articlesCount, 1);
    });

    // Hybrid merges a celebrity's newest at read from a cached head per celebrity (feed/celebrity-heads.ts).
    if (strategy === 'hybrid') it("a celebrity's article published or deleted after their newest were cached shows or is gone on the next read; a warm read, and the first read after a post, run no SQL", async () => {
      const celebrity = await registerUser(sys.api);
      const reader = await registerUser(sys.api);
      const other = await registerUser(sys.api);
      // Two followers: at the suite's threshold, merged at read.
      await follow(sys.api, reader.token, celebrity.username);
      await follow(sys.api, other.token, celebrity.username);
      /** The reader's feed, and [feed reads, SQL statements] it cost. */
      const readerFeed = async () => {
        const before = await statementsRecorded(sys.metrics.registry, '/api/articles/feed');
        const list = await feed(sys.api, reader.token);
        const after = await statementsRecorded(sys.metrics.registry, '/api/articles/feed');
        return { list, cost: [after.count - before.count, after.sum - before.sum] };
      };
      const first = await createArticle(sys.api, celebrity.token);
      assert.deepEqual(slugs((await readerFeed()).list), [first.slug]);
      const warm = await readerFeed();
      assert.deepEqual(slugs(warm.list), [first.slug]);
      assert.deepEqual(warm.cost, [1, 0], 'one warm feed read, and the SQL statements it ran');

      // The post itself loads the new head and the new article's summary: the next read still runs no SQL.
      const second = await createArticle(sys.api, celebrity.token);
      const afterPost = await readerFeed();
      assert.deepEqual([slugs(afterPost.list), afterPost.list.articlesCount], [[second.slug, first.slug], 2]);
      assert.deepEqual(afterPost.cost, [1, 0], 'the first read after the post, and the SQL statements it ran');
      assert.equal((await sys.api.delete(`/api/articles/${second.slug}`, { token: celebrity.token })).status, 204);
      const afterDelete = await feed(sys.api, other.token);
      assert.deepEqual([slugs(afterDelete), afterDelete.articlesCount], [[first.slug], 1]);
    });

    it('an updated article shows its new content and keeps its place', async () => {
      const reader = await registerUser(sys.api);
      const b = await registerUser(sys.api);
      await follow(sys.api, reader.token, b.username);
      const older = await createArticle(sys.api, b.token);
      const newer = await createArticle(sys.api, b.token);
      const res = await sys.api.put(`/api/articles/${older.slug}`, { article: { description: 'edited' } }, { token: b.token });
      assert.equal(res.status, 200);
      const list = await feed(sys.api, reader.token);
      assert.deepEqual(slugs(list), [newer.slug, older.slug], 'ordered by createdAt, not updatedAt');
      assert.equal(list.articles[1]!.description, 'edited');
    });
  });
}
