import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { createArticle, favorite, feed, follow, listArticles, registerUser, type ArticleJson, type ProfileJson } from '../../../testing/fixtures.js';
import { statementsRecorded } from '../../../testing/statements.js';
import { VIEWER_SET_MAX } from '../data/viewer-flags.js';

/**
 * The viewer's flags (favorited, following) come from a cached set per viewer
 * (data/viewer-flags.ts): these check the set follows the viewer's own writes
 * at once, on every read that shows flags, and that a viewer past the set's
 * bound still gets exact flags. With the cache off they are read in the
 * article statements themselves (data/article-cache.ts): the same checks hold.
 */
for (const target of await dbTargets())
for (const cacheEnabled of [true, false]) {
  describe(`viewer flags [${target.name}${cacheEnabled ? '' : ', cache off'}]`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target, cacheEnabled ? {} : { CACHE_ENABLED: false });
    });
    after(async () => {
      await sys?.close();
    });

    const article = async (slug: string, token: string) =>
      (await sys.api.get<{ article: ArticleJson }>(`/api/articles/${encodeURIComponent(slug)}`, { token })).body.article;
    const profile = async (username: string, token: string) =>
      (await sys.api.get<{ profile: ProfileJson }>(`/api/profiles/${encodeURIComponent(username)}`, { token })).body.profile;
    const flagsEverywhere = async (slug: string, author: string, token: string) => {
      const single = await article(slug, token);
      const listed = (await listArticles(sys.api, { author }, token)).articles.find((a) => a.slug === slug);
      const inFeed = (await feed(sys.api, token)).articles.find((a) => a.slug === slug);
      return {
        single: [single.favorited, single.author.following],
        list: [listed?.favorited, listed?.author.following],
        feed: inFeed ? [inFeed.favorited, inFeed.author.following] : 'absent',
        profile: (await profile(author, token)).following,
      };
    };

    it("a viewer's favorite and follow show on their very next read, and so do undoing them, after reads cached their flags", async () => {
      const author = await registerUser(sys.api);
      const viewer = await registerUser(sys.api);
      const a = await createArticle(sys.api, author.token);
      // Reads first, so the viewer's (empty) sets are cached before the writes.
      assert.deepEqual(await flagsEverywhere(a.slug, author.username, viewer.token), {
        single: [false, false], list: [false, false], feed: 'absent', profile: false,
      });
      // One write at a time, each followed by reads: a write that failed to drop the set shows as a stale flag.
      await favorite(sys.api, viewer.token, a.slug);
      assert.deepEqual(await flagsEverywhere(a.slug, author.username, viewer.token), {
        single: [true, false], list: [true, false], feed: 'absent', profile: false,
      });
      await follow(sys.api, viewer.token, author.username);
      assert.deepEqual(await flagsEverywhere(a.slug, author.username, viewer.token), {
        single: [true, true], list: [true, true], feed: [true, true], profile: true,
      });
      assert.equal((await sys.api.delete(`/api/articles/${encodeURIComponent(a.slug)}/favorite`, { token: viewer.token })).status, 200);
      assert.deepEqual(await flagsEverywhere(a.slug, author.username, viewer.token), {
        single: [false, true], list: [false, true], feed: [false, true], profile: true,
      });
      assert.equal((await sys.api.delete(`/api/profiles/${encodeURIComponent(author.username)}/follow`, { token: viewer.token })).status, 200);
      assert.deepEqual(await flagsEverywhere(a.slug, author.username, viewer.token), {
        single: [false, false], list: [false, false], feed: 'absent', profile: false,
      });
    });

    // Cached sets exist only with the cache on; with it off, articles.queries.test.ts counts the statements instead.
    if (cacheEnabled) it('a warm signed-in list, single-article or home feed read runs no SQL statement (flags and celebrities from cached sets)', async () => {
      const author = await registerUser(sys.api);
      const viewer = await registerUser(sys.api);
      const a = await createArticle(sys.api, author.token);
      await favorite(sys.api, viewer.token, a.slug);
      await follow(sys.api, viewer.token, author.username);
      const paths = {
        '/api/articles': '/api/articles',
        '/api/articles/:slug': `/api/articles/${encodeURIComponent(a.slug)}`,
        '/api/articles/feed': '/api/articles/feed',
      };
      const statements = async () =>
        Object.fromEntries(await Promise.all(Object.keys(paths).map(async (route) => [route, await statementsRecorded(sys.metrics.registry, route)] as const)));
      for (const path of Object.values(paths)) await sys.api.get(path, { token: viewer.token });
      const before = await statements();
      for (const path of Object.values(paths)) {
        const res = await sys.api.get<{ article?: ArticleJson; articles?: ArticleJson[] }>(path, { token: viewer.token });
        const seen = res.body.article ?? res.body.articles?.find((x) => x.slug === a.slug);
        assert.deepEqual([seen?.favorited, seen?.author.following], [true, true]);
      }
      const after = await statements();
      for (const route of Object.keys(paths)) {
        assert.equal(after[route]!.count - before[route]!.count, 1, `${route} counted once`);
        assert.equal(after[route]!.sum - before[route]!.sum, 0, `${route}: SQL statements on a warm signed-in read`);
      }
    });

    it("one viewer's writes change no other viewer's flags", async () => {
      const author = await registerUser(sys.api);
      const viewer = await registerUser(sys.api);
      const other = await registerUser(sys.api);
      const a = await createArticle(sys.api, author.token);
      await article(a.slug, other.token);
      await favorite(sys.api, viewer.token, a.slug);
      await follow(sys.api, viewer.token, author.username);
      const seen = await article(a.slug, other.token);
      assert.deepEqual([seen.favorited, seen.author.following, seen.favoritesCount], [false, false, 1]);
    });

    it(`a viewer following more than ${VIEWER_SET_MAX} users (no cached set) still gets exact flags`, async () => {
      const author = await registerUser(sys.api);
      const viewer = await registerUser(sys.api);
      const a = await createArticle(sys.api, author.token);
      // Follows of users that do not exist (no foreign key crosses schemas): enough to pass the bound.
      await sql`insert into social.follows (follower_id, followee_id)
        select u.id, 1000000000 + g from identity.users u, generate_series(1, ${VIEWER_SET_MAX + 1}) g
        where u.username = ${viewer.username}`.execute(sys.db.as());
      assert.equal((await article(a.slug, viewer.token)).author.following, false);
      await follow(sys.api, viewer.token, author.username);
      await favorite(sys.api, viewer.token, a.slug);
      const seen = await article(a.slug, viewer.token);
      assert.deepEqual([seen.favorited, seen.author.following], [true, true]);
    });
  });
}
