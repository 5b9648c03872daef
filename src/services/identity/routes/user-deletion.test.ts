import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { decodeJwt } from 'jose';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import {
  addComment, assertNoStackTrace, createArticle, favorite, feed, follow, listArticles, registerUser, unique,
  type ArticleListJson,
} from '../../../testing/fixtures.js';
import { waitFor } from '../../../platform/bus/testing/targets.js';

const consistent = (list: ArticleListJson, what: string) =>
  assert.equal(list.articlesCount, list.articles.length, `${what}: articlesCount ${list.articlesCount} but ${list.articles.length} returned`);

for (const target of await dbTargets()) {
  describe(`deleting a user [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target);
    });
    after(async () => {
      await sys?.close();
    });

    it('DELETE /api/user: 204; the token is refused at once (401 on writes and reads of /api/user); a second delete is 401', async () => {
      const u = await registerUser(sys.api);
      const res = await sys.api.delete('/api/user', { token: u.token });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assert.equal((await sys.api.get('/api/user', { token: u.token })).status, 401);
      assert.equal((await sys.api.post('/api/articles', { article: { title: 't', description: 'd', body: 'b' } }, { token: u.token })).status, 401);
      assert.equal((await sys.api.delete('/api/user', { token: u.token })).status, 401);
      assert.equal((await sys.api.post('/api/users/login', { user: { email: u.email, password: u.password } })).status, 401, 'no login either');
      assert.equal((await sys.api.get(`/api/profiles/${u.username}`)).status, 404);
      assert.equal((await sys.api.delete('/api/user')).status, 401, 'anonymous: 401');
    });

    it('the deleted user\'s articles, comments, favorites and follows go, and every count agrees with what is listed', async () => {
      const tag = unique('gone');
      const alice = await registerUser(sys.api);
      const bob = await registerUser(sys.api);
      const bobs = await createArticle(sys.api, bob.token, { tagList: ['kept'] });
      const alices = [];
      for (let i = 0; i < 3; i++) alices.push(await createArticle(sys.api, alice.token, { tagList: [tag] }));
      await addComment(sys.api, alice.token, bobs.slug, 'from alice');
      await addComment(sys.api, bob.token, alices[0]!.slug, 'from bob');
      await favorite(sys.api, alice.token, bobs.slug);
      await favorite(sys.api, bob.token, alices[1]!.slug);
      await follow(sys.api, alice.token, bob.username);
      await follow(sys.api, bob.token, alice.username);
      assert.equal((await feed(sys.api, bob.token)).articlesCount, 3, 'bob\'s feed has alice\'s articles');
      const before = await listArticles(sys.api, { limit: 100 });

      assert.equal((await sys.api.delete('/api/user', { token: alice.token })).status, 204);
      // Refused at once, before social has removed anything.
      const late = await sys.api.post(`/api/articles/${bobs.slug}/comments`, { comment: { body: 'late' } }, { token: alice.token });
      assert.equal(late.status, 401);

      await waitFor('alice\'s articles leave the list', async () => (await listArticles(sys.api, { limit: 100 })).articlesCount === before.articlesCount - 3, 10_000);
      const after = await listArticles(sys.api, { limit: 100 });
      consistent(after, 'all articles');
      assert.ok(!after.articles.some((a) => a.author.username === alice.username));
      for (const a of alices) {
        const res = await sys.api.get(`/api/articles/${a.slug}`);
        assert.equal(res.status, 404, `${a.slug}: ${JSON.stringify(res.body)}`);
        assertNoStackTrace(res);
      }
      const byTag = await listArticles(sys.api, { tag });
      assert.equal(byTag.articlesCount, 0);
      assert.ok(!(await sys.api.get<{ tags: string[] }>('/api/tags')).body.tags.includes(tag), 'the tag only alice used is gone');
      const bobsNow = (await sys.api.get(`/api/articles/${bobs.slug}`, { token: bob.token })).body.article;
      assert.equal(bobsNow.favoritesCount, 0, 'alice\'s favorite no longer counts');
      const comments = (await sys.api.get(`/api/articles/${bobs.slug}/comments`)).body.comments as { body: string }[];
      assert.deepEqual(comments.map((c) => c.body), [], 'alice\'s comment is gone');
      assert.equal((await sys.api.get(`/api/articles/${alices[0]!.slug}/comments`)).status, 404, 'comments of her articles went with them');
      const bobsFeed = await feed(sys.api, bob.token);
      consistent(bobsFeed, 'bob\'s feed');
      assert.equal(bobsFeed.articlesCount, 0);
      assert.equal((await listArticles(sys.api, { favorited: bob.username })).articlesCount, 0, 'bob\'s favorite of alice\'s article went with it');
      assert.equal((await listArticles(sys.api, { author: alice.username })).articlesCount, 0);
      const aliceId = Number(decodeJwt(alice.token).sub);
      const bobId = Number(decodeJwt(bob.token).sub);
      const db = sys.db.as<object>();
      const follows = await sql<{ n: number }>`select count(*)::int as n from social.follows where follower_id = ${aliceId} or followee_id = ${aliceId}`.execute(db);
      assert.equal(follows.rows[0]!.n, 0, 'no follow of or by alice is left');
      const stats = await sql<{ author_id: string; followers_count: number }>`select author_id, followers_count from social.author_stats where author_id in (${aliceId}, ${bobId})`.execute(db);
      assert.deepEqual(stats.rows.map((r) => [Number(r.author_id), r.followers_count]), [[bobId, 0]], 'bob lost his follower; alice has no stats row');
    });

    it('the deleted user\'s exports (copies of their articles) go too; another user\'s stay', async () => {
      const carol = await registerUser(sys.api);
      const dave = await registerUser(sys.api);
      await createArticle(sys.api, carol.token);
      const db = sys.db.as<object>();
      const exportsOf = async (user: { token: string }) =>
        (await sql<{ n: number }>`select count(*)::int as n from platform.job_status where owner = ${decodeJwt(user.token).sub!}`.execute(db)).rows[0]!.n;
      for (const user of [carol, dave]) {
        const location = (await sys.api.post('/api/user/export', undefined, { token: user.token })).headers.get('location')!;
        await waitFor('the export to finish', async () => (await sys.api.get(location, { token: user.token })).body.state === 'succeeded', 10_000);
      }
      assert.equal(await exportsOf(carol), 1);
      assert.equal((await sys.api.delete('/api/user', { token: carol.token })).status, 204);
      await waitFor('carol\'s export to go', async () => (await exportsOf(carol)) === 0, 10_000);
      assert.equal(await exportsOf(dave), 1, 'dave\'s export is untouched');
    });

    it('an author identity does not know (rows left behind by a user removed without the event) never makes a 500: shown as [deleted], counts agree', async () => {
      const reader = await registerUser(sys.api);
      const tag = unique('ghost');
      const other = await createArticle(sys.api, reader.token, { tagList: [tag] });
      // An author id identity never had: what social holds of a user deleted before this fix, or before the event arrives.
      const ghostId = 2_000_000_000;
      const slugs = [unique('ghost-'), unique('ghost-')];
      const db = sys.db.as<object>();
      for (const slug of slugs) {
        await sql`with a as (insert into social.articles (slug, title, description, body, author_id, tag_list) values (${slug}, 'Ghost', 'd', 'b', ${ghostId}, ${[tag]}) returning id)
          insert into social.article_tags (article_id, tag) select id, ${tag} from a`.execute(db);
      }
      await sql`insert into social.comments (article_id, author_id, body) select id, ${ghostId}, 'ghost comment' from social.articles where slug = ${other.slug}`.execute(db);

      for (const token of [undefined, reader.token]) {
        const one = await sys.api.get<{ article: { author: { username: string } } }>(`/api/articles/${slugs[0]}`, { token });
        assert.equal(one.status, 200, JSON.stringify(one.body));
        assert.equal(one.body.article.author.username, '[deleted]');
        const list = await listArticles(sys.api, { tag }, token);
        consistent(list, 'by tag');
        assert.equal(list.articlesCount, 3);
        const comments = await sys.api.get<{ comments: { author: { username: string } }[] }>(`/api/articles/${other.slug}/comments`, { token });
        assert.equal(comments.status, 200);
        assert.deepEqual(comments.body.comments.map((c) => c.author.username), ['[deleted]']);
      }
      const favorited = await sys.api.post(`/api/articles/${slugs[1]}/favorite`, undefined, { token: reader.token });
      assert.equal(favorited.status, 200, JSON.stringify(favorited.body));
      assert.equal(favorited.body.article.author.username, '[deleted]');
    });
  });
}
