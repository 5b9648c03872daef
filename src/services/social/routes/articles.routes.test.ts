import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import {
  addComment,
  assertArticle,
  assertError,
  assertProfile,
  createArticle,
  favorite,
  follow,
  listArticles,
  registerUser,
  sleep,
  slugs,
  unique,
  type ArticleJson,
  type ArticleListJson,
} from '../../../testing/fixtures.js';

for (const target of await dbTargets()) {
  describe(`articles API [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target);
    });
    after(async () => {
      await sys?.close();
    });

    const path = (slug: string) => `/api/articles/${encodeURIComponent(slug)}`;
    const create = (token: string | undefined, article: unknown) =>
      sys.api.post<{ article: ArticleJson }>('/api/articles', { article }, { token });
    const getArticle = (slug: string, token?: string) => sys.api.get<{ article: ArticleJson }>(path(slug), { token });
    const update = (slug: string, token: string | undefined, article: unknown) =>
      sys.api.put<{ article: ArticleJson }>(path(slug), { article }, { token });
    const remove = (slug: string, token?: string) => sys.api.delete(path(slug), { token });
    const valid = () => ({ title: unique('Title '), description: 'desc', body: 'body text' });

    describe('POST /api/articles', () => {
      it('201 with the full article', async () => {
        const u = await registerUser(sys.api);
        const input = { title: `How to train your dragon ${unique('')}`, description: 'Ever wonder how?', body: 'You have to believe' };
        const res = await create(u.token, { ...input, tagList: ['training', 'dragons'] });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.deepEqual(Object.keys(res.body), ['article']);
        const a = res.body.article;
        assertArticle(a, { withBody: true });
        assert.equal(a.title, input.title);
        assert.equal(a.description, input.description);
        assert.equal(a.body, input.body);
        assert.deepEqual(a.tagList, ['dragons', 'training']);
        assert.equal(a.favorited, false);
        assert.strictEqual(a.favoritesCount, 0);
        assert.equal(a.createdAt, a.updatedAt, 'a new article was never updated');
        const age = Date.now() - Date.parse(a.createdAt);
        assert.ok(age > -5000 && age < 60_000, `createdAt is about now: ${a.createdAt}`);
        assertProfile(a.author, { username: u.username, bio: null, image: null, following: false });
        assert.deepEqual(
          Object.keys(a).sort(),
          ['author', 'body', 'createdAt', 'description', 'favorited', 'favoritesCount', 'slug', 'tagList', 'title', 'updatedAt'],
        );
      });

      it('the slug fetches the article', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        const res = await getArticle(a.slug);
        assert.equal(res.status, 200);
        assert.deepEqual(res.body.article, a);
      });

      it('tagList defaults to [] and is returned sorted', async () => {
        const u = await registerUser(sys.api);
        assert.deepEqual((await createArticle(sys.api, u.token)).tagList, []);
        const [t1, t2, t3] = [unique('zz'), unique('aa'), unique('mm')];
        const a = await createArticle(sys.api, u.token, { tagList: [t1, t2, t3] });
        assert.deepEqual(a.tagList, [t2, t3, t1]);
        assert.deepEqual((await getArticle(a.slug)).body.article.tagList, [t2, t3, t1]);
      });

      it('a duplicate title is 201 with a distinct slug; both are reachable', async () => {
        const u = await registerUser(sys.api);
        const v = await registerUser(sys.api);
        const title = `Same title ${unique('')}`;
        const first = await createArticle(sys.api, u.token, { title });
        const second = await createArticle(sys.api, u.token, { title, body: 'second body' });
        const third = await createArticle(sys.api, v.token, { title, body: 'third body' });
        assert.equal(new Set([first.slug, second.slug, third.slug]).size, 3, 'slugs are distinct');
        assert.equal((await getArticle(first.slug)).body.article.body, 'The body of the article');
        assert.equal((await getArticle(second.slug)).body.article.body, 'second body');
        assert.equal((await getArticle(third.slug)).body.article.body, 'third body');
      });

      it('a title with no ASCII letters still gets a usable slug', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token, { title: '日本語のタイトル 🐉' });
        assert.ok(a.slug.length > 0);
        const b = await createArticle(sys.api, u.token, { title: '日本語のタイトル 🐉' });
        assert.notEqual(a.slug, b.slug);
        const res = await getArticle(a.slug);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.article.title, '日本語のタイトル 🐉');
      });

      it('an article titled "Feed" is reachable by its slug (no clash with /api/articles/feed)', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token, { title: 'Feed' });
        const res = await getArticle(a.slug);
        assert.equal(res.status, 200, `GET ${path(a.slug)} -> ${res.status} ${JSON.stringify(res.body)}`);
        assert.equal(res.body.article?.title, 'Feed');
        const authed = await getArticle(a.slug, u.token);
        assert.equal(authed.status, 200, JSON.stringify(authed.body));
        assert.equal(authed.body.article?.slug, a.slug);
      });

      it('tagList is canonical (lowercase) and sorted by code point whatever the database collation; duplicates, also by case, collapse', async () => {
        const u = await registerUser(sys.api);
        const s = unique('');
        const tags = [`b${s}`, `B${s}`, `a${s}`, `A${s}`, `_${s}`, `1${s}`, `é${s}`, `e${s}`];
        const a = await createArticle(sys.api, u.token, { tagList: [...tags, `a${s}`] });
        // Tags are stored in their canonical form (NFKC, lowercase: docs/adr/0016-identifier-normalization.md), so "B" and "b" are one tag.
        const expected = [...new Set(tags.map((t) => t.toLowerCase()))].sort();
        assert.deepEqual(a.tagList, expected);
        assert.deepEqual((await getArticle(a.slug)).body.article.tagList, expected);
        assert.deepEqual((await listArticles(sys.api, { author: u.username })).articles[0]!.tagList, expected);
      });

      it('a new article and its first view have updatedAt equal to createdAt (checked over many creations)', async () => {
        const u = await registerUser(sys.api);
        const mismatches: string[] = [];
        for (let i = 0; i < 150; i++) {
          const a = await createArticle(sys.api, u.token);
          if (a.createdAt !== a.updatedAt) mismatches.push(`${a.createdAt} vs ${a.updatedAt}`);
        }
        assert.deepEqual(mismatches, [], `never-updated articles whose updatedAt differs from createdAt: ${mismatches.length}/150`);
      });

      it('concurrent creates with the same title all get 201 and distinct slugs', async () => {
        const u = await registerUser(sys.api);
        const title = `Race ${unique('')}`;
        const results = await Promise.all(Array.from({ length: 8 }, () => create(u.token, { title, description: 'd', body: 'b' })));
        for (const r of results) assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.equal(new Set(results.map((r) => r.body.article.slug)).size, 8);
        assert.equal((await listArticles(sys.api, { author: u.username })).articlesCount, 8);
      });

      it('401 "token: is missing" without a token', async () => {
        assertError(await create(undefined, valid()), 401, 'token', 'is missing');
      });

      for (const field of ['title', 'description', 'body'] as const) {
        it(`422 "${field}: can't be blank" when missing, empty or whitespace`, async () => {
          const u = await registerUser(sys.api);
          const missing: Record<string, unknown> = valid();
          delete missing[field];
          assertError(await create(u.token, missing), 422, field, "can't be blank");
          assertError(await create(u.token, { ...valid(), [field]: '' }), 422, field, "can't be blank");
          assertError(await create(u.token, { ...valid(), [field]: ' \n\t ' }), 422, field, "can't be blank");
        });

        it(`422 keyed "${field}" when ${field} is not a string`, async () => {
          const u = await registerUser(sys.api);
          assertError(await create(u.token, { ...valid(), [field]: 123 }), 422, field, /must be string/);
        });
      }

      it('422 keyed "article" without the wrapper', async () => {
        const u = await registerUser(sys.api);
        assertError(await sys.api.post('/api/articles', {}, { token: u.token }), 422, 'article');
        assertError(await sys.api.post('/api/articles', valid(), { token: u.token }), 422, 'article');
      });

      it('422 keyed "tagList" for a bad tagList, and no article is left behind', async () => {
        const u = await registerUser(sys.api);
        for (const tagList of [[1], 'dragons', [null], { a: 1 }, ['ok', 2]]) {
          assertError(await create(u.token, { ...valid(), tagList }), 422, 'tagList');
        }
        const list = await listArticles(sys.api, { author: u.username });
        assert.equal(list.articlesCount, 0, 'no half-written article');
        assert.deepEqual(list.articles, []);
      });
    });

    describe('GET /api/articles/:slug', () => {
      it('404 "article: not found" for an unknown slug', async () => {
        assertError(await getArticle(unique('no-such-article-')), 404, 'article', 'not found');
      });

      it('viewer flags: favorited and author.following are the viewer\'s; anonymous sees false', async () => {
        const author = await registerUser(sys.api);
        const fan = await registerUser(sys.api);
        const stranger = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        await follow(sys.api, fan.token, author.username);
        await favorite(sys.api, fan.token, a.slug);

        const asFan = (await getArticle(a.slug, fan.token)).body.article;
        assert.equal(asFan.favorited, true);
        assert.equal(asFan.favoritesCount, 1);
        assert.equal(asFan.author.following, true);

        for (const token of [stranger.token, author.token, undefined]) {
          const seen = (await getArticle(a.slug, token)).body.article;
          assert.equal(seen.favorited, false);
          assert.equal(seen.favoritesCount, 1);
          assert.equal(seen.author.following, false);
        }
      });

      it('401 "token: is invalid" with a malformed token even though auth is optional', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        assertError(await getArticle(a.slug, 'x.y.z'), 401, 'token', 'is invalid');
      });
    });

    describe('PUT /api/articles/:slug', () => {
      it('updates fields, keeps the others, createdAt fixed, updatedAt moves', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token, { tagList: ['keep'] });
        await sleep(15);
        const res = await update(a.slug, u.token, { body: 'new body' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const b = res.body.article;
        assertArticle(b, { withBody: true });
        assert.equal(b.body, 'new body');
        assert.equal(b.title, a.title);
        assert.equal(b.description, a.description);
        assert.equal(b.slug, a.slug, 'slug unchanged when the title is unchanged');
        assert.deepEqual(b.tagList, ['keep']);
        assert.equal(b.createdAt, a.createdAt);
        assert.ok(Date.parse(b.updatedAt) > Date.parse(a.updatedAt), `updatedAt moved: ${a.updatedAt} -> ${b.updatedAt}`);
        assertProfile(b.author, { username: u.username });

        await sleep(15);
        const c = (await update(a.slug, u.token, { description: 'new desc' })).body.article;
        assert.equal(c.description, 'new desc');
        assert.equal(c.body, 'new body');
        assert.equal(c.createdAt, a.createdAt);
        assert.ok(Date.parse(c.updatedAt) > Date.parse(b.updatedAt), 'updatedAt moves on every update');
        assert.deepEqual((await getArticle(a.slug)).body.article, c);
      });

      it('changing the title changes the slug; the old slug is gone', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token, { title: `Original ${unique('')}` });
        const title = `Renamed ${unique('')}`;
        const res = await update(a.slug, u.token, { title });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.article.title, title);
        assert.notEqual(res.body.article.slug, a.slug);
        const fetched = await getArticle(res.body.article.slug);
        assert.equal(fetched.status, 200);
        assert.equal(fetched.body.article.title, title);
        assertError(await getArticle(a.slug), 404, 'article', 'not found');
      });

      it('renaming to a title already in use still gives a distinct slug', async () => {
        const u = await registerUser(sys.api);
        const title = `Taken ${unique('')}`;
        const a = await createArticle(sys.api, u.token, { title });
        const b = await createArticle(sys.api, u.token);
        const res = await update(b.slug, u.token, { title });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.notEqual(res.body.article.slug, a.slug);
        assert.equal((await getArticle(a.slug)).body.article.body, a.body);
      });

      it('tagList: omitted keeps, a new list replaces (sorted), [] clears, null is 422', async () => {
        const u = await registerUser(sys.api);
        const [x, y, z] = [unique('x'), unique('y'), unique('z')];
        const a = await createArticle(sys.api, u.token, { tagList: [y, x] });
        assert.deepEqual((await update(a.slug, u.token, { body: 'b2' })).body.article.tagList, [x, y]);
        assert.deepEqual((await update(a.slug, u.token, { tagList: [z, x] })).body.article.tagList, [x, z]);
        assert.deepEqual((await getArticle(a.slug)).body.article.tagList, [x, z]);
        assertError(await update(a.slug, u.token, { tagList: null }), 422, 'tagList');
        assert.deepEqual((await getArticle(a.slug)).body.article.tagList, [x, z], 'a rejected update keeps the tags');
        assertError(await update(a.slug, u.token, { tagList: [1] }), 422, 'tagList');
        assert.deepEqual((await update(a.slug, u.token, { tagList: [] })).body.article.tagList, []);
        assert.deepEqual((await getArticle(a.slug)).body.article.tagList, []);
        assert.equal((await listArticles(sys.api, { tag: x })).articlesCount, 0);
      });

      it('a tagList-only update is an update: updatedAt moves', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token, { tagList: ['one'] });
        await sleep(15);
        const res = await update(a.slug, u.token, { tagList: ['two'] });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.article.createdAt, a.createdAt);
        assert.ok(Date.parse(res.body.article.updatedAt) > Date.parse(a.updatedAt), `${a.updatedAt} -> ${res.body.article.updatedAt}`);
      });

      it('422 for blank or null title/description/body', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        for (const field of ['title', 'description', 'body']) {
          assertError(await update(a.slug, u.token, { [field]: '' }), 422, field, "can't be blank");
          assertError(await update(a.slug, u.token, { [field]: '   ' }), 422, field, "can't be blank");
          assertError(await update(a.slug, u.token, { [field]: null }), 422, field);
        }
        assert.deepEqual((await getArticle(a.slug)).body.article, a, 'nothing changed');
      });

      it('422 keyed "article" without the wrapper', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        assertError(await sys.api.put(path(a.slug), {}, { token: u.token }), 422, 'article');
      });

      it('403 "article: forbidden" for another user; nothing changes', async () => {
        const owner = await registerUser(sys.api);
        const other = await registerUser(sys.api);
        const a = await createArticle(sys.api, owner.token);
        assertError(await update(a.slug, other.token, { title: 'pwned' }), 403, 'article', 'forbidden');
        assert.deepEqual((await getArticle(a.slug)).body.article, a);
      });

      it('404 "article: not found" for an unknown slug', async () => {
        const u = await registerUser(sys.api);
        assertError(await update(unique('nope-'), u.token, { title: 'x' }), 404, 'article', 'not found');
      });

      it('401 "token: is missing" without a token', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        assertError(await update(a.slug, undefined, { title: 'x' }), 401, 'token', 'is missing');
      });
    });

    describe('DELETE /api/articles/:slug', () => {
      it('204 with an empty body, then 404', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        const res = await remove(a.slug, u.token);
        assert.equal(res.status, 204, JSON.stringify(res.body));
        assert.equal(res.body, null, 'empty body');
        assertError(await getArticle(a.slug), 404, 'article', 'not found');
        assertError(await remove(a.slug, u.token), 404, 'article', 'not found');
        assert.equal((await listArticles(sys.api, { author: u.username })).articlesCount, 0);
      });

      it('takes its comments and favorites with it', async () => {
        const u = await registerUser(sys.api);
        const fan = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        await addComment(sys.api, fan.token, a.slug);
        await favorite(sys.api, fan.token, a.slug);
        assert.equal((await remove(a.slug, u.token)).status, 204);
        assertError(await sys.api.get(`${path(a.slug)}/comments`), 404, 'article', 'not found');
        const favs = await listArticles(sys.api, { favorited: fan.username });
        assert.equal(favs.articlesCount, 0);
      });

      it('403 "article: forbidden" for another user; the article stays', async () => {
        const owner = await registerUser(sys.api);
        const other = await registerUser(sys.api);
        const a = await createArticle(sys.api, owner.token);
        assertError(await remove(a.slug, other.token), 403, 'article', 'forbidden');
        assert.equal((await getArticle(a.slug)).status, 200);
      });

      it('404 for an unknown slug, 401 without a token', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        assertError(await remove(unique('nope-'), u.token), 404, 'article', 'not found');
        assertError(await remove(a.slug), 401, 'token', 'is missing');
      });
    });

    describe('GET /api/articles', () => {
      it('lists newest first, with no body, numbers for counts', async () => {
        const u = await registerUser(sys.api);
        const created: ArticleJson[] = [];
        for (let i = 0; i < 3; i++) created.push(await createArticle(sys.api, u.token, { tagList: ['b', 'a'] }));
        const list = await listArticles(sys.api, { author: u.username });
        assert.equal(list.articlesCount, 3);
        assert.deepEqual(slugs(list), created.map((a) => a.slug).reverse());
        for (const item of list.articles) {
          assert.ok(!('body' in item));
          assert.deepEqual(item.tagList, ['a', 'b']);
          assertProfile(item.author, { username: u.username, following: false });
        }
        // The global list is newest first too.
        const global = await listArticles(sys.api, { limit: 100 });
        const dates = global.articles.map((a) => Date.parse(a.createdAt));
        for (let i = 1; i < dates.length; i++) assert.ok(dates[i - 1]! >= dates[i]!, 'global list newest first');
      });

      it('a list item equals its single article minus body', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token, { tagList: ['one'] });
        const list = await listArticles(sys.api, { author: u.username });
        const { body: _body, ...withoutBody } = a;
        assert.deepEqual(list.articles[0], withoutBody);
      });

      it('articlesCount is the total of matches, not the page size; limit and offset page it', async () => {
        const u = await registerUser(sys.api);
        const created: string[] = [];
        for (let i = 0; i < 5; i++) created.push((await createArticle(sys.api, u.token)).slug);
        const newestFirst = [...created].reverse();
        const p1 = await listArticles(sys.api, { author: u.username, limit: 2 });
        const p2 = await listArticles(sys.api, { author: u.username, limit: 2, offset: 2 });
        const p3 = await listArticles(sys.api, { author: u.username, limit: 2, offset: 4 });
        const p4 = await listArticles(sys.api, { author: u.username, limit: 2, offset: 10 });
        for (const p of [p1, p2, p3, p4]) assert.strictEqual(p.articlesCount, 5);
        assert.deepEqual([...slugs(p1), ...slugs(p2), ...slugs(p3)], newestFirst, 'pages are stable and complete');
        assert.deepEqual(p4.articles, []);
        assert.deepEqual(slugs(await listArticles(sys.api, { author: u.username, offset: 3 })), newestFirst.slice(3));
      });

      it('paging is stable when many articles share a timestamp (concurrent creates)', async () => {
        const u = await registerUser(sys.api);
        const made = await Promise.all(Array.from({ length: 12 }, () => createArticle(sys.api, u.token)));
        const full = await listArticles(sys.api, { author: u.username, limit: 100 });
        assert.equal(full.articlesCount, 12);
        assert.deepEqual(new Set(slugs(full)), new Set(made.map((a) => a.slug)));
        const dates = full.articles.map((a) => Date.parse(a.createdAt));
        for (let i = 1; i < dates.length; i++) assert.ok(dates[i - 1]! >= dates[i]!, 'newest first');
        const paged: string[] = [];
        for (let offset = 0; offset < 12; offset += 5) {
          paged.push(...slugs(await listArticles(sys.api, { author: u.username, limit: 5, offset })));
        }
        assert.deepEqual(paged, slugs(full), 'pages concatenate to the full list: no duplicates, no gaps');
        assert.deepEqual(slugs(await listArticles(sys.api, { author: u.username, limit: 100 })), slugs(full), 'same order twice');
      });

      it('limit defaults to 20', async () => {
        const u = await registerUser(sys.api);
        for (let i = 0; i < 21; i++) await createArticle(sys.api, u.token);
        const list = await listArticles(sys.api, { author: u.username });
        assert.equal(list.articles.length, 20);
        assert.equal(list.articlesCount, 21);
        assert.equal((await listArticles(sys.api, { author: u.username, limit: 100 })).articles.length, 21);
      });

      it('filters by tag', async () => {
        const u = await registerUser(sys.api);
        const tag = unique('tag');
        const tagged = await createArticle(sys.api, u.token, { tagList: [tag, 'other'] });
        await createArticle(sys.api, u.token, { tagList: ['other'] });
        const v = await registerUser(sys.api);
        const tagged2 = await createArticle(sys.api, v.token, { tagList: [tag] });
        const list = await listArticles(sys.api, { tag });
        assert.equal(list.articlesCount, 2);
        assert.deepEqual(slugs(list), [tagged2.slug, tagged.slug]);
        assert.deepEqual(list.articles[1]!.tagList, [tag, 'other'].sort(), 'all the article\'s tags, not only the filter');
        const unknown = await listArticles(sys.api, { tag: unique('notag') });
        assert.deepEqual(unknown, { articles: [], articlesCount: 0 });
      });

      it('filters by a tag with spaces and punctuation', async () => {
        const u = await registerUser(sys.api);
        const tag = `c++ & c# ${unique('')}/?%`;
        const a = await createArticle(sys.api, u.token, { tagList: [tag] });
        assert.deepEqual(a.tagList, [tag]);
        assert.deepEqual(slugs(await listArticles(sys.api, { tag })), [a.slug]);
        assert.ok(((await sys.api.get('/api/tags')).body.tags as string[]).includes(tag));
      });

      it('filters by author; an unknown author gives 200 and an empty list', async () => {
        const u = await registerUser(sys.api);
        const v = await registerUser(sys.api);
        const mine = await createArticle(sys.api, u.token);
        await createArticle(sys.api, v.token);
        const list = await listArticles(sys.api, { author: u.username });
        assert.deepEqual(slugs(list), [mine.slug]);
        assert.equal(list.articlesCount, 1);
        assert.deepEqual(await listArticles(sys.api, { author: unique('ghost') }), { articles: [], articlesCount: 0 });
      });

      it('filters by favorited; an unknown user gives 200 and an empty list', async () => {
        const author = await registerUser(sys.api);
        const fan = await registerUser(sys.api);
        const a1 = await createArticle(sys.api, author.token);
        await createArticle(sys.api, author.token);
        const a3 = await createArticle(sys.api, author.token);
        await favorite(sys.api, fan.token, a1.slug);
        await favorite(sys.api, fan.token, a3.slug);
        const list = await listArticles(sys.api, { favorited: fan.username });
        assert.equal(list.articlesCount, 2);
        assert.deepEqual(new Set(slugs(list)), new Set([a1.slug, a3.slug]));
        // Anonymous viewer: favorited false even in the favorited filter.
        for (const item of list.articles) {
          assert.equal(item.favorited, false);
          assert.equal(item.favoritesCount, 1);
        }
        const asFan = await listArticles(sys.api, { favorited: fan.username }, fan.token);
        for (const item of asFan.articles) assert.equal(item.favorited, true);
        assert.deepEqual(await listArticles(sys.api, { favorited: unique('ghost') }), { articles: [], articlesCount: 0 });
        const noFavs = await registerUser(sys.api);
        assert.deepEqual(await listArticles(sys.api, { favorited: noFavs.username }), { articles: [], articlesCount: 0 });
      });

      it('combines filters', async () => {
        const u = await registerUser(sys.api);
        const v = await registerUser(sys.api);
        const tag = unique('combo');
        const hit = await createArticle(sys.api, u.token, { tagList: [tag] });
        await createArticle(sys.api, u.token);
        await createArticle(sys.api, v.token, { tagList: [tag] });
        const list = await listArticles(sys.api, { tag, author: u.username });
        assert.deepEqual(slugs(list), [hit.slug]);
        assert.equal(list.articlesCount, 1);
        await favorite(sys.api, v.token, hit.slug);
        const fav = await listArticles(sys.api, { tag, author: u.username, favorited: v.username });
        assert.deepEqual(slugs(fav), [hit.slug]);
        assert.equal((await listArticles(sys.api, { tag, author: v.username, favorited: v.username })).articlesCount, 0);
      });

      it('viewer flags in the list: favorited and author.following for the viewer, false for anonymous', async () => {
        const author = await registerUser(sys.api);
        const fan = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        const b = await createArticle(sys.api, author.token);
        await follow(sys.api, fan.token, author.username);
        await favorite(sys.api, fan.token, a.slug);
        const find = (list: ArticleListJson, slug: string) => {
          const item = list.articles.find((x) => x.slug === slug);
          assert.ok(item, `${slug} in list`);
          return item;
        };
        const asFan = await listArticles(sys.api, { author: author.username }, fan.token);
        assert.equal(find(asFan, a.slug).favorited, true);
        assert.equal(find(asFan, b.slug).favorited, false);
        for (const item of asFan.articles) assert.equal(item.author.following, true);
        const anon = await listArticles(sys.api, { author: author.username });
        for (const item of anon.articles) {
          assert.equal(item.favorited, false);
          assert.equal(item.author.following, false);
        }
        assert.equal(find(anon, a.slug).favoritesCount, 1);
      });

      it('reflects the author\'s current profile', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        await sys.api.put('/api/user', { user: { bio: 'new bio', image: 'https://example.com/x.png' } }, { token: u.token });
        const list = await listArticles(sys.api, { author: u.username });
        assertProfile(list.articles[0]!.author, { bio: 'new bio', image: 'https://example.com/x.png' });
        assertProfile((await getArticle(a.slug)).body.article.author, { bio: 'new bio' });
      });

      it('follows the author\'s username change (author filter and author.username)', async () => {
        const u = await registerUser(sys.api);
        const a = await createArticle(sys.api, u.token);
        const username = unique('renamed');
        assert.equal((await sys.api.put('/api/user', { user: { username } }, { token: u.token })).status, 200);
        const list = await listArticles(sys.api, { author: username });
        assert.deepEqual(slugs(list), [a.slug]);
        assert.equal(list.articles[0]!.author.username, username);
        assert.equal((await getArticle(a.slug)).body.article.author.username, username);
        assert.deepEqual(await listArticles(sys.api, { author: u.username }), { articles: [], articlesCount: 0 });
      });

      it('limit must be 1..100 and offset >= 0, else 422', async () => {
        for (const limit of ['0', '101', '-1', 'abc', '1.5']) {
          assertError(await sys.api.get(`/api/articles?limit=${limit}`), 422, 'limit');
        }
        for (const offset of ['-1', 'abc']) {
          assertError(await sys.api.get(`/api/articles?offset=${offset}`), 422, 'offset');
        }
        assert.equal((await sys.api.get('/api/articles?limit=1')).status, 200);
        assert.equal((await sys.api.get('/api/articles?limit=100&offset=0')).status, 200);
      });

      it('401 "token: is invalid" with a bad token even though auth is optional', async () => {
        assertError(await sys.api.get('/api/articles', { token: 'bad.token.value' }), 401, 'token', 'is invalid');
      });
    });
  });
}
