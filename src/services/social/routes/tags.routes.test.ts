import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import type { ApiResponse } from '../../../testing/api-client.js';
import { assertError, createArticle, registerUser, unique } from '../../../testing/fixtures.js';

for (const target of await dbTargets()) {
  describe(`tags API [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    /** GET /api/tags on the fresh database, before any test wrote anything. */
    let initial: ApiResponse<{ tags: string[] }>;
    before(async () => {
      sys = await startTestSystem(target);
      initial = await sys.api.get('/api/tags');
    });
    after(async () => {
      await sys?.close();
    });

    const tags = async (): Promise<string[]> => {
      const res = await sys.api.get<{ tags: string[] }>('/api/tags');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(Object.keys(res.body), ['tags']);
      assert.ok(Array.isArray(res.body.tags));
      for (const t of res.body.tags) assert.equal(typeof t, 'string');
      assert.equal(new Set(res.body.tags).size, res.body.tags.length, 'no duplicates');
      return res.body.tags;
    };

    it('is {"tags":[]} on an empty database', () => {
      assert.equal(initial.status, 200, JSON.stringify(initial.body));
      assert.deepEqual(initial.body, { tags: [] });
    });

    it('lists every tag in use, once', async () => {
      const u = await registerUser(sys.api);
      const v = await registerUser(sys.api);
      const [t1, t2, t3] = [unique('tag'), unique('tag'), unique('tag')];
      await createArticle(sys.api, u.token, { tagList: [t1, t2] });
      await createArticle(sys.api, v.token, { tagList: [t2, t3] });
      const all = await tags();
      for (const t of [t1, t2, t3]) assert.ok(all.includes(t), `${t} listed`);
    });

    it('needs no token; a bad token is still refused', async () => {
      const u = await registerUser(sys.api);
      assert.equal((await sys.api.get('/api/tags', { token: u.token })).status, 200);
      assertError(await sys.api.get('/api/tags', { token: 'bad.token.value' }), 401, 'token', 'is invalid');
    });

    it('more than 20 tags are all listed', async () => {
      const u = await registerUser(sys.api);
      const many = Array.from({ length: 30 }, () => unique('many'));
      for (let i = 0; i < many.length; i += 10) await createArticle(sys.api, u.token, { tagList: many.slice(i, i + 10) });
      const all = await tags();
      for (const t of many) assert.ok(all.includes(t), `${t} listed`);
    });

    it('tags of a deleted article go away unless used elsewhere', async () => {
      const u = await registerUser(sys.api);
      const [only, shared] = [unique('only'), unique('shared')];
      const a = await createArticle(sys.api, u.token, { tagList: [only, shared] });
      await createArticle(sys.api, u.token, { tagList: [shared] });
      assert.ok((await tags()).includes(only));
      const res = await sys.api.delete(`/api/articles/${a.slug}`, { token: u.token });
      assert.equal(res.status, 204);
      const after = await tags();
      assert.ok(!after.includes(only), `${only} no longer in use`);
      assert.ok(after.includes(shared), `${shared} still in use`);
    });

    it('tags dropped by an update go away unless used elsewhere; new ones appear', async () => {
      const u = await registerUser(sys.api);
      const [dropped, added] = [unique('dropped'), unique('added')];
      const a = await createArticle(sys.api, u.token, { tagList: [dropped] });
      const res = await sys.api.put(`/api/articles/${a.slug}`, { article: { tagList: [added] } }, { token: u.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const after = await tags();
      assert.ok(after.includes(added));
      assert.ok(!after.includes(dropped), `${dropped} no longer in use`);
    });

    it('a rejected article adds no tags', async () => {
      const u = await registerUser(sys.api);
      const ghost = unique('ghost');
      const res = await sys.api.post('/api/articles', { article: { title: '', description: 'd', body: 'b', tagList: [ghost] } }, { token: u.token });
      assertError(res, 422, 'title');
      assert.ok(!(await tags()).includes(ghost));
    });
  });
}
