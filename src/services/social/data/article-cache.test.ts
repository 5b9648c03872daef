import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { createArticle, registerUser, type TestUser } from '../../../testing/fixtures.js';
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

    it('a warm anonymous page costs no SQL at all', async () => {
      await createArticle(sys.api, author.token);
      await sys.api.get('/api/articles?limit=5');
      const before = await statementsServed(sys.api, '/api/articles');
      await sys.api.get('/api/articles?limit=5');
      const after = await statementsAfter(sys.api, '/api/articles', before, 1);
      assert.equal(after.sum - before.sum, 0);
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
