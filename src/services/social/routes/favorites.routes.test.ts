import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import {
  assertArticle,
  assertError,
  createArticle,
  favorite,
  listArticles,
  registerUser,
  sleep,
  unique,
  type ArticleJson,
} from '../../../testing/fixtures.js';

for (const target of await dbTargets()) {
  describe(`favorites API [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target);
    });
    after(async () => {
      await sys?.close();
    });

    const favPath = (slug: string) => `/api/articles/${encodeURIComponent(slug)}/favorite`;
    const fav = (slug: string, token?: string) => sys.api.post<{ article: ArticleJson }>(favPath(slug), undefined, { token });
    const unfav = (slug: string, token?: string) => sys.api.delete<{ article: ArticleJson }>(favPath(slug), { token });
    const getArticle = (slug: string, token?: string) =>
      sys.api.get<{ article: ArticleJson }>(`/api/articles/${encodeURIComponent(slug)}`, { token });

    describe('POST /api/articles/:slug/favorite', () => {
      it('200 with the article, favorited true and the count', async () => {
        const author = await registerUser(sys.api);
        const fan = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        const res = await fav(a.slug, fan.token);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assertArticle(res.body.article, { withBody: true });
        assert.equal(res.body.article.slug, a.slug);
        assert.equal(res.body.article.favorited, true);
        assert.strictEqual(res.body.article.favoritesCount, 1);
        assert.equal(res.body.article.createdAt, a.createdAt);
        const seen = (await getArticle(a.slug, fan.token)).body.article;
        assert.equal(seen.favorited, true);
        assert.equal(seen.favoritesCount, 1);
      });

      it('is idempotent: favoriting twice counts once', async () => {
        const author = await registerUser(sys.api);
        const fan = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        await favorite(sys.api, fan.token, a.slug);
        const again = await fav(a.slug, fan.token);
        assert.equal(again.status, 200, JSON.stringify(again.body));
        assert.equal(again.body.article.favorited, true);
        assert.equal(again.body.article.favoritesCount, 1);
        assert.equal((await getArticle(a.slug)).body.article.favoritesCount, 1);
      });

      it('counts every user; favorited is per viewer', async () => {
        const author = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        const fans = [await registerUser(sys.api), await registerUser(sys.api), await registerUser(sys.api)];
        for (const [i, f] of fans.entries()) {
          const res = await fav(a.slug, f.token);
          assert.equal(res.body.article.favoritesCount, i + 1);
        }
        const byAuthor = await fav(a.slug, author.token);
        assert.equal(byAuthor.status, 200, 'an author may favorite their own article');
        assert.equal(byAuthor.body.article.favoritesCount, 4);
        const stranger = await registerUser(sys.api);
        const seen = (await getArticle(a.slug, stranger.token)).body.article;
        assert.equal(seen.favorited, false);
        assert.equal(seen.favoritesCount, 4);
        const list = await listArticles(sys.api, { author: author.username }, fans[0]!.token);
        assert.equal(list.articles[0]!.favorited, true);
        assert.equal(list.articles[0]!.favoritesCount, 4);
      });

      it('concurrent favorites keep an exact count', async () => {
        const author = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        const fans = await Promise.all(Array.from({ length: 8 }, () => registerUser(sys.api)));
        const results = await Promise.all(fans.map((f) => fav(a.slug, f.token)));
        for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal((await getArticle(a.slug)).body.article.favoritesCount, 8);
        assert.equal((await listArticles(sys.api, { author: author.username })).articles[0]!.favoritesCount, 8);
        const unfavs = await Promise.all(fans.slice(0, 5).map((f) => unfav(a.slug, f.token)));
        for (const r of unfavs) assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal((await getArticle(a.slug)).body.article.favoritesCount, 3);
      });

      it('one user favoriting (and unfavoriting) concurrently counts once (and never below zero)', async () => {
        const author = await registerUser(sys.api);
        const fan = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        const results = await Promise.all(Array.from({ length: 6 }, () => fav(a.slug, fan.token)));
        for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal((await getArticle(a.slug)).body.article.favoritesCount, 1);
        const unfavs = await Promise.all(Array.from({ length: 6 }, () => unfav(a.slug, fan.token)));
        for (const r of unfavs) assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal((await getArticle(a.slug)).body.article.favoritesCount, 0);
      });

      it('does not change updatedAt', async () => {
        const author = await registerUser(sys.api);
        const fan = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        await sleep(15);
        const res = await fav(a.slug, fan.token);
        assert.equal(res.body.article.updatedAt, a.updatedAt);
      });

      it('404 "article: not found" for an unknown slug', async () => {
        const fan = await registerUser(sys.api);
        assertError(await fav(unique('nope-'), fan.token), 404, 'article', 'not found');
      });

      it('401 "token: is missing" without a token', async () => {
        const author = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        assertError(await fav(a.slug), 401, 'token', 'is missing');
        assert.equal((await getArticle(a.slug)).body.article.favoritesCount, 0);
      });
    });

    describe('DELETE /api/articles/:slug/favorite', () => {
      it('200 with favorited false and the count decreased', async () => {
        const author = await registerUser(sys.api);
        const fan = await registerUser(sys.api);
        const other = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        await favorite(sys.api, fan.token, a.slug);
        await favorite(sys.api, other.token, a.slug);
        const res = await unfav(a.slug, fan.token);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assertArticle(res.body.article, { withBody: true });
        assert.equal(res.body.article.favorited, false);
        assert.strictEqual(res.body.article.favoritesCount, 1);
        assert.equal((await getArticle(a.slug, other.token)).body.article.favorited, true);
        assert.deepEqual((await listArticles(sys.api, { favorited: fan.username })).articles, []);
      });

      it('is idempotent, and never goes below zero', async () => {
        const author = await registerUser(sys.api);
        const fan = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        const never = await unfav(a.slug, fan.token);
        assert.equal(never.status, 200, JSON.stringify(never.body));
        assert.equal(never.body.article.favorited, false);
        assert.equal(never.body.article.favoritesCount, 0);
        await favorite(sys.api, fan.token, a.slug);
        await unfav(a.slug, fan.token);
        const again = await unfav(a.slug, fan.token);
        assert.equal(again.status, 200);
        assert.equal(again.body.article.favoritesCount, 0);
        assert.equal((await getArticle(a.slug)).body.article.favoritesCount, 0);
      });

      it('404 "article: not found" for an unknown slug', async () => {
        const fan = await registerUser(sys.api);
        assertError(await unfav(unique('nope-'), fan.token), 404, 'article', 'not found');
      });

      it('401 "token: is missing" without a token', async () => {
        const author = await registerUser(sys.api);
        const fan = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        await favorite(sys.api, fan.token, a.slug);
        assertError(await unfav(a.slug), 401, 'token', 'is missing');
        assert.equal((await getArticle(a.slug)).body.article.favoritesCount, 1);
      });
    });
  });
}
