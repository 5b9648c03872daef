import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { createArticle, registerUser, type ArticleListJson, type TestUser } from '../../../testing/fixtures.js';
import { statementsAfter, statementsServed } from '../../../testing/statements.js';

for (const target of await dbTargets()) {
  describe(`article cache [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    let author: TestUser;

    before(async () => {
      sys = await startTestSystem(target);
      author = await registerUser(sys.api);
    });
    after(async () => {
      await sys?.close();
    });

    it('500 concurrent requests for one cold article cause one database query', async () => {
      // Creating the article warms its author's profile; its slug entry stays cold.
      const { slug } = await createArticle(sys.api, author.token);
      const route = '/api/articles/:slug';
      const before = await statementsServed(sys.api, route);
      const responses = await Promise.all(Array.from({ length: 500 }, () => sys.api.get(`/api/articles/${slug}`)));
      assert.ok(responses.every((r) => r.status === 200));
      const after = await statementsAfter(sys.api, route, before, 500);
      assert.equal(after.sum - before.sum, 1, 'one load for 500 concurrent readers');
    });

    it('an untagged post runs five statements: the insert checks the slug, and one read of the new row gives its answer and the summary cached for the feeds', async () => {
      await createArticle(sys.api, author.token); // the author's profile and flags are warm from here on
      const route = '/api/articles';
      const before = await statementsServed(sys.api, route, 'POST');
      await createArticle(sys.api, author.token);
      const after = await statementsAfter(sys.api, route, before, 1, 'POST');
      // begin, the insert (no lookup of the slug first), the outbox row, commit; then the one read of the new row.
      assert.equal(after.sum - before.sum, 5, 'statements of one untagged post');
    });

    it('a warm anonymous page costs no SQL at all', async () => {
      await createArticle(sys.api, author.token);
      await sys.api.get('/api/articles?limit=5');
      const before = await statementsServed(sys.api, '/api/articles');
      await sys.api.get('/api/articles?limit=5');
      const after = await statementsAfter(sys.api, '/api/articles', before, 1);
      assert.equal(after.sum - before.sum, 0);
    });

    it('a slug freed by a delete and taken by a new article serves the new article at once', async () => {
      const title = `Reused title ${Date.now()}`;
      const first = await createArticle(sys.api, author.token, { title, body: 'first body' });
      assert.equal((await sys.api.get(`/api/articles/${first.slug}`)).body.article.body, 'first body'); // cached now
      assert.equal((await sys.api.delete(`/api/articles/${first.slug}`, { token: author.token })).status, 204);
      const second = await createArticle(sys.api, author.token, { title, body: 'second body' });
      assert.equal(second.slug, first.slug, 'the slug was free again');
      assert.equal((await sys.api.get(`/api/articles/${second.slug}`)).body.article.body, 'second body');
    });

    it('the writer reads its own writes at once', async () => {
      const reader = await registerUser(sys.api);
      const { slug } = await createArticle(sys.api, author.token, { tagList: ['ryw'] });
      await sys.api.get(`/api/articles/${slug}`);
      await sys.api.get('/api/articles?tag=ryw');
      await sys.api.get('/api/tags');

      await sys.api.put(`/api/articles/${slug}`, { article: { body: 'second', tagList: ['ryw', 'fresh'] } }, { token: author.token });
      assert.equal((await sys.api.get(`/api/articles/${slug}`)).body.article.body, 'second');
      assert.ok((await sys.api.get('/api/tags')).body.tags.includes('fresh'));

      await sys.api.post(`/api/articles/${slug}/favorite`, undefined, { token: reader.token });
      assert.equal((await sys.api.get(`/api/articles/${slug}`)).body.article.favoritesCount, 1);
      assert.equal((await sys.api.get('/api/articles?tag=ryw')).body.articles[0].favoritesCount, 1);

      await sys.api.put('/api/user', { user: { bio: 'fresh bio' } }, { token: author.token });
      assert.equal((await sys.api.get(`/api/articles/${slug}`)).body.article.author.bio, 'fresh bio');
      assert.equal((await sys.api.get('/api/articles?tag=ryw')).body.articles[0].author.bio, 'fresh bio', 'a cached list page carries its authors');
      assert.equal((await sys.api.get(`/api/profiles/${author.username}`)).body.profile.bio, 'fresh bio');

      await sys.api.delete(`/api/articles/${slug}`, { token: author.token });
      assert.equal((await sys.api.get(`/api/articles/${slug}`)).status, 404);
      assert.equal((await sys.api.get('/api/articles?tag=ryw')).body.articlesCount, 0);
    });

    it('a new article drops only the list pages it appears on: other authors\', other tags\' and favorited-by pages stay cached', async () => {
      const [writer, other, fan] = await Promise.all([registerUser(sys.api), registerUser(sys.api), registerUser(sys.api)]);
      const [mine, theirs] = [`mine-${writer.username}`, `theirs-${other.username}`];
      const old = await createArticle(sys.api, other.token, { tagList: [theirs] });
      await createArticle(sys.api, writer.token, { tagList: [mine] });
      assert.equal((await sys.api.post(`/api/articles/${old.slug}/favorite`, undefined, { token: fan.token })).status, 200);
      const untouched = [`author=${other.username}`, `tag=${theirs}`, `favorited=${fan.username}`, `favorited=${fan.username}&tag=${theirs}`];
      const showing = ['limit=5', `author=${writer.username}`, `tag=${mine}`, `author=${writer.username}&tag=${mine}`];
      for (const query of [...untouched, ...showing]) assert.equal((await sys.api.get(`/api/articles?${query}`)).status, 200);

      const published = await createArticle(sys.api, writer.token, { tagList: [mine.toUpperCase()] });

      const before = await statementsServed(sys.api, '/api/articles');
      for (const query of untouched) assert.equal((await sys.api.get<ArticleListJson>(`/api/articles?${query}`)).body.articles[0]?.slug, old.slug, query);
      const after = await statementsAfter(sys.api, '/api/articles', before, untouched.length);
      assert.equal(after.sum - before.sum, 0, 'pages the new article is not on are still served from the cache');
      for (const query of showing) {
        const page = (await sys.api.get<ArticleListJson>(`/api/articles?${query}`)).body;
        assert.equal(page.articles[0]?.slug, published.slug, `${query} shows the new article first`);
      }
      const byWriter = (await sys.api.get<ArticleListJson>(`/api/articles?author=${writer.username}`)).body;
      assert.equal(byWriter.articlesCount, 2, "the author's count grew");
    });

    it('a renamed user is found under the new name only', async () => {
      const user = await registerUser(sys.api);
      await sys.api.get(`/api/profiles/${user.username}`);
      const renamed = `${user.username}x`;
      await sys.api.put('/api/user', { user: { username: renamed } }, { token: user.token });
      assert.equal((await sys.api.get(`/api/profiles/${user.username}`)).status, 404);
      assert.equal((await sys.api.get(`/api/profiles/${renamed}`)).status, 200);
    });
  });
}
