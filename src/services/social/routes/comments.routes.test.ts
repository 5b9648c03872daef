import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import {
  addComment,
  assertComment,
  assertError,
  assertProfile,
  createArticle,
  follow,
  registerUser,
  unique,
  type CommentJson,
} from '../../../testing/fixtures.js';

for (const target of await dbTargets()) {
  describe(`comments API [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target);
    });
    after(async () => {
      await sys?.close();
    });

    const commentsPath = (slug: string) => `/api/articles/${encodeURIComponent(slug)}/comments`;
    const post = (slug: string, token: string | undefined, comment: unknown) =>
      sys.api.post<{ comment: CommentJson }>(commentsPath(slug), { comment }, { token });
    const list = (slug: string, token?: string) => sys.api.get<{ comments: CommentJson[] }>(commentsPath(slug), { token });
    const remove = (slug: string, id: number | string, token?: string) =>
      sys.api.delete(`${commentsPath(slug)}/${id}`, { token });

    describe('POST /api/articles/:slug/comments', () => {
      it('201 with the comment; id is a number', async () => {
        const author = await registerUser(sys.api);
        const commenter = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        const res = await post(a.slug, commenter.token, { body: 'His name was my name too.' });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.deepEqual(Object.keys(res.body), ['comment']);
        const c = res.body.comment;
        assertComment(c);
        assert.equal(typeof c.id, 'number');
        assert.equal(c.body, 'His name was my name too.');
        assert.equal(c.createdAt, c.updatedAt);
        assertProfile(c.author, { username: commenter.username, bio: null, image: null, following: false });
        assert.deepEqual(Object.keys(c).sort(), ['author', 'body', 'createdAt', 'id', 'updatedAt']);
      });

      it('a new comment has updatedAt equal to createdAt (checked over many comments)', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        const mismatches: string[] = [];
        for (let i = 0; i < 150; i++) {
          const c = await addComment(sys.api, u.token, a.slug);
          if (c.createdAt !== c.updatedAt) mismatches.push(`${c.createdAt} vs ${c.updatedAt}`);
        }
        assert.deepEqual(mismatches, [], `new comments whose updatedAt differs from createdAt: ${mismatches.length}/150`);
      });

      it('422 "body: can\'t be blank" when missing, empty or whitespace; nothing stored', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        assertError(await post(a.slug, u.token, {}), 422, 'body', "can't be blank");
        assertError(await post(a.slug, u.token, { body: '' }), 422, 'body', "can't be blank");
        assertError(await post(a.slug, u.token, { body: '  \n ' }), 422, 'body', "can't be blank");
        assertError(await post(a.slug, u.token, { body: 5 }), 422, 'body', /must be string/);
        assertError(await sys.api.post(commentsPath(a.slug), {}, { token: u.token }), 422, 'comment');
        assert.deepEqual((await list(a.slug)).body.comments, []);
      });

      it('404 "article: not found" for an unknown article', async () => {
        const u = await registerUser(sys.api);
        assertError(await post(unique('nope-'), u.token, { body: 'hi' }), 404, 'article', 'not found');
      });

      it('401 "token: is missing" without a token', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        assertError(await post(a.slug, undefined, { body: 'hi' }), 401, 'token', 'is missing');
        assert.deepEqual((await list(a.slug)).body.comments, []);
      });
    });

    describe('GET /api/articles/:slug/comments', () => {
      it('lists the article\'s comments newest first', async () => {
        const u = await registerUser(sys.api);
        const v = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        const other = await createArticle(sys.api, u.token);
        const c1 = await addComment(sys.api, u.token, a.slug, 'first');
        const c2 = await addComment(sys.api, v.token, a.slug, 'second');
        await addComment(sys.api, v.token, other.slug, 'elsewhere');
        const c3 = await addComment(sys.api, u.token, a.slug, 'third');
        const res = await list(a.slug);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(Object.keys(res.body), ['comments']);
        for (const c of res.body.comments) assertComment(c);
        assert.deepEqual(
          res.body.comments.map((c) => c.id),
          [c3.id, c2.id, c1.id],
        );
        assert.deepEqual(res.body.comments[0], c3);
      });

      it('an article without comments gives {"comments":[]}', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        const res = await list(a.slug);
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, { comments: [] });
      });

      it('author.following is the viewer\'s; anonymous sees false', async () => {
        const author = await registerUser(sys.api);
        const commenter = await registerUser(sys.api);
        const viewer = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        await addComment(sys.api, commenter.token, a.slug);
        await follow(sys.api, viewer.token, commenter.username);
        assert.equal((await list(a.slug, viewer.token)).body.comments[0]!.author.following, true);
        assert.equal((await list(a.slug, author.token)).body.comments[0]!.author.following, false);
        assert.equal((await list(a.slug)).body.comments[0]!.author.following, false);
      });

      it('404 "article: not found" for an unknown article', async () => {
        assertError(await list(unique('nope-')), 404, 'article', 'not found');
      });

      it('follows the article when its slug changes', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        const c = await addComment(sys.api, u.token, a.slug);
        const res = await sys.api.put(`/api/articles/${a.slug}`, { article: { title: unique('New title ') } }, { token: u.token });
        assert.equal(res.status, 200);
        const comments = (await list(res.body.article.slug)).body.comments;
        assert.deepEqual(comments.map((x) => x.id), [c.id]);
      });
    });

    describe('DELETE /api/articles/:slug/comments/:id', () => {
      it('204 with an empty body; the comment is gone', async () => {
        const u = await registerUser(sys.api);
        const v = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        const keep = await addComment(sys.api, u.token, a.slug);
        const c = await addComment(sys.api, v.token, a.slug);
        const res = await remove(a.slug, c.id, v.token);
        assert.equal(res.status, 204, JSON.stringify(res.body));
        assert.equal(res.body, null);
        assert.deepEqual((await list(a.slug)).body.comments.map((x) => x.id), [keep.id]);
        assertError(await remove(a.slug, c.id, v.token), 404, 'comment', 'not found');
      });

      it('403 "comment: forbidden" for a user who did not write it; the comment stays', async () => {
        const author = await registerUser(sys.api);
        const commenter = await registerUser(sys.api);
        const stranger = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        const c = await addComment(sys.api, commenter.token, a.slug);
        assertError(await remove(a.slug, c.id, stranger.token), 403, 'comment', 'forbidden');
        assert.deepEqual((await list(a.slug)).body.comments.map((x) => x.id), [c.id]);
      });

      it('404 "comment: not found" for an unknown comment id', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        assertError(await remove(a.slug, 2_000_000_000, u.token), 404, 'comment', 'not found');
      });

      it('404 "comment: not found" for a comment of another article', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        const b = await createArticle(sys.api, u.token);
        const c = await addComment(sys.api, u.token, b.slug);
        assertError(await remove(a.slug, c.id, u.token), 404, 'comment', 'not found');
        assert.deepEqual((await list(b.slug)).body.comments.map((x) => x.id), [c.id]);
      });

      it('404 "article: not found" for an unknown article', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        const c = await addComment(sys.api, u.token, a.slug);
        assertError(await remove(unique('nope-'), c.id, u.token), 404, 'article', 'not found');
      });

      it('401 "token: is missing" without a token', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        const c = await addComment(sys.api, u.token, a.slug);
        assertError(await remove(a.slug, c.id), 401, 'token', 'is missing');
        assert.equal((await list(a.slug)).body.comments.length, 1);
      });

      it('422 "id: must be integer" for a non-numeric id (never a 500); the comment stays', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        await addComment(sys.api, u.token, a.slug);
        assertError(await remove(a.slug, 'abc', u.token), 422, 'id', 'must be integer');
        assert.equal((await list(a.slug)).body.comments.length, 1);
      });
    });
  });
}
