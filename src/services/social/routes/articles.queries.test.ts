/**
 * No N+1: a page of articles costs a fixed number of SQL statements whatever
 * its size. Counted per request (`db_statements_per_request`, src/testing/statements.ts),
 * for the public list (anonymous and authenticated, where `favorited` and
 * `author.following` must be computed too) and for the feed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { statementsAfter, statementsServed } from '../../../testing/statements.js';
import {
  createArticle,
  favorite,
  follow,
  registerUser,
  type ArticleListJson,
  type TestUser,
} from '../../../testing/fixtures.js';

const AUTHORS = 5;
const ARTICLES_PER_AUTHOR = 5; // 25 articles; the viewer follows 4 authors, so the feed holds 20.

for (const target of await dbTargets()) {
  describe(`article lists issue a fixed number of SQL statements (${target.name})`, target.options, () => {
    let sys: TestSystem;
    let viewer: TestUser;

    before(async () => {
      // The cache would hide the SQL a page costs (a warm page costs none): this measures the database path.
      sys = await startTestSystem(target, { CACHE_ENABLED: false });
      viewer = await registerUser(sys.api);
      const authors: TestUser[] = [];
      for (let i = 0; i < AUTHORS; i++) authors.push(await registerUser(sys.api));
      const fans = [await registerUser(sys.api), await registerUser(sys.api)];
      for (let round = 0; round < ARTICLES_PER_AUTHOR; round++) {
        for (const [a, author] of authors.entries()) {
          const article = await createArticle(sys.api, author.token, { tagList: [`tag${a}`, `round${round}`, 'common'] });
          // Some articles favorited by the viewer, some by others, some by both.
          if ((a + round) % 2 === 0) await favorite(sys.api, viewer.token, article.slug);
          if ((a + round) % 3 === 0) await favorite(sys.api, fans[0]!.token, article.slug);
          if (round === 0) await favorite(sys.api, fans[1]!.token, article.slug);
        }
      }
      for (const author of authors.slice(0, AUTHORS - 1)) await follow(sys.api, viewer.token, author.username);
    });

    after(async () => {
      await sys?.close();
    });

    /** Statements issued to serve one GET (src/testing/statements.ts: background work never counts), and its body. */
    async function ownCost(path: string, token?: string, route = new URL(path, 'http://x').pathname): Promise<{ statements: number; body: ArticleListJson }> {
      const start = await statementsServed(sys.api, route);
      const res = await sys.api.get<ArticleListJson>(path, { token });
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
      const end = await statementsAfter(sys.api, route, start, 1);
      return { statements: end.sum - start.sum, body: res.body };
    }

    async function assertFixedCost(path: string, expectedTotal: number, token?: string): Promise<void> {
      const sep = path.includes('?') ? '&' : '?';
      // A first request warms anything lazily prepared, so it does not count against limit=1.
      await ownCost(`${path}${sep}limit=1`, token);
      const one = await ownCost(`${path}${sep}limit=1`, token);
      const twenty = await ownCost(`${path}${sep}limit=20`, token);
      assert.equal(one.body.articles.length, 1);
      assert.equal(twenty.body.articles.length, 20);
      assert.equal(one.body.articlesCount, expectedTotal);
      assert.equal(twenty.body.articlesCount, expectedTotal);
      assert.ok(one.statements > 0, 'the count should see the queries (is db_statements_per_request recorded?)');
      assert.equal(
        twenty.statements,
        one.statements,
        `${path}: limit=1 took ${one.statements} statements, limit=20 took ${twenty.statements}: the cost grows with the page (N+1)`,
      );
    }

    it('GET /api/articles, anonymous', async (t) => {
      await assertFixedCost('/api/articles', AUTHORS * ARTICLES_PER_AUTHOR);
      t.diagnostic(`statements per page: ${(await ownCost('/api/articles?limit=20')).statements}`);
    });

    it('GET /api/articles, as a viewer who follows and favorites', async (t) => {
      await assertFixedCost('/api/articles', AUTHORS * ARTICLES_PER_AUTHOR, viewer.token);
      const page = await ownCost('/api/articles?limit=20', viewer.token);
      // The flags are computed, not defaulted: the page shows both values of each.
      assert.ok(page.body.articles.some((a) => a.favorited) && page.body.articles.some((a) => !a.favorited));
      assert.ok(page.body.articles.some((a) => a.author.following) && page.body.articles.some((a) => !a.author.following));
      assert.ok(page.body.articles.some((a) => a.favoritesCount >= 2));
      t.diagnostic(`statements per page: ${page.statements}`);
    });

    it("a signed-in list or single article costs one statement more than an anonymous one, the viewer's standing: its flags come with the articles", async () => {
      const anonymous = await ownCost('/api/articles?limit=20');
      const signedIn = await ownCost('/api/articles?limit=20', viewer.token);
      assert.equal(signedIn.statements, anonymous.statements + 1, `list: ${anonymous.statements} anonymous, ${signedIn.statements} signed in`);
      const slug = encodeURIComponent(anonymous.body.articles[0]!.slug);
      const single = await ownCost(`/api/articles/${slug}`, undefined, '/api/articles/:slug');
      const singleSignedIn = await ownCost(`/api/articles/${slug}`, viewer.token, '/api/articles/:slug');
      assert.equal(singleSignedIn.statements, single.statements + 1, `single: ${single.statements} anonymous, ${singleSignedIn.statements} signed in`);
    });

    it('GET /api/articles filtered by tag, as a viewer', async () => {
      await assertFixedCost('/api/articles?tag=common', AUTHORS * ARTICLES_PER_AUTHOR, viewer.token);
    });

    it('publishing costs two statements more with tags than without (their counters\' locks, their rows), whatever their number', async (t) => {
      const author = await registerUser(sys.api);
      const publish = async (tagList: string[]) => {
        const start = await statementsServed(sys.api, '/api/articles', 'POST');
        const article = await createArticle(sys.api, author.token, { tagList });
        assert.deepEqual(article.tagList, [...tagList].sort());
        const end = await statementsAfter(sys.api, '/api/articles', start, 1, 'POST');
        return end.sum - start.sum;
      };
      await publish(['warm']); // anything prepared lazily, prepared here
      const none = await publish([]);
      const one = await publish(['solo']);
      const three = await publish(['zeta', 'alpha', 'mid']);
      t.diagnostic(`statements per publish: ${none} without tags, ${one} with one, ${three} with three`);
      assert.equal(one, none + 2, `${none} without tags, ${one} with one`);
      assert.equal(three, one, `${one} with one tag, ${three} with three`);
    });

    it('GET /api/articles/feed', async (t) => {
      await assertFixedCost('/api/articles/feed', (AUTHORS - 1) * ARTICLES_PER_AUTHOR, viewer.token);
      const page = await ownCost('/api/articles/feed?limit=20', viewer.token);
      assert.ok(page.body.articles.every((a) => a.author.following), 'the feed holds followed authors only');
      t.diagnostic(`statements per page: ${page.statements}`);
    });
  });
}
