import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ApiResponse } from '../api-client.js';
import type { Injector } from './injector.js';
import { assertWellBehaved, send } from './response-rules.js';
import type { FuzzRequest } from './request-arbitrary.js';
import { NASTY_FRAGMENTS } from './nasty-text.js';

/** What the system should hold after a sequence of commands, kept by the test. */
export interface SocialModel {
  users: { username: string; token: string }[];
  articles: { slug: string; author: number; favoritedBy: Set<number>; comments: { id: number; author: number }[]; tags: string[] }[];
  /** `follower>followed` user indexes. */
  follows: Set<string>;
}

/** The system under test, and a tag that keeps one sequence's users and tags apart from every other's. */
export interface SocialReal {
  app: Injector;
  tag: string;
}

export const emptyModel = (): SocialModel => ({ users: [], articles: [], follows: new Set() });

/** One request through app.inject, held to the rules every answer follows (no 5xx, error shape...), then to `status`. */
async function call(real: SocialReal, method: string, url: string, token: string | undefined, body: unknown, status: number): Promise<ApiResponse> {
  const req: FuzzRequest = {
    method,
    url,
    headers: { ...(token ? { authorization: `Token ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  };
  const res = await send(real.app, req);
  assertWellBehaved(req, res);
  assert.equal(res.status, status, `${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

type Article = { slug: string; favorited: boolean; favoritesCount: number; author: { username: string; following: boolean }; tagList: string[] };
type List = { articles: Article[]; articlesCount: number };

const pick = <T>(items: T[], n: number): T | undefined => (items.length === 0 ? undefined : items[n % items.length]);
const enc = encodeURIComponent;

async function register(m: SocialModel, r: SocialReal): Promise<void> {
  const username = `${r.tag}u${m.users.length}`;
  const res = await call(r, 'POST', '/api/users', undefined, { user: { username, email: `${username}@example.com`, password: 'password123' } }, 201);
  m.users.push({ username, token: (res.body as { user: { token: string } }).user.token });
}

/** A model with `count` users already registered (a sequence starts with people, not an empty system). */
export async function modelWithUsers(r: SocialReal, count: number): Promise<SocialModel> {
  const m = emptyModel();
  for (let i = 0; i < count; i++) await register(m, r);
  return m;
}

/** Another user registers. */
class Register implements fc.AsyncCommand<SocialModel, SocialReal> {
  check = () => true;
  run = register;
  toString = () => 'register';
}

/** A user writes an article, its title carrying some nasty text (slugs must cope). */
class CreateArticle implements fc.AsyncCommand<SocialModel, SocialReal> {
  constructor(readonly user: number, readonly title: string, readonly tags: string[]) {}
  check = (m: Readonly<SocialModel>) => m.users.length > 0;
  async run(m: SocialModel, r: SocialReal) {
    const author = this.user % m.users.length;
    const tagList = this.tags.map((t) => `${r.tag}${t}`);
    const res = await call(r, 'POST', '/api/articles', m.users[author]!.token, { article: { title: this.title, description: 'd', body: 'b', tagList } }, 201);
    const article = (res.body as { article: Article }).article;
    assert.equal(article.favoritesCount, 0);
    m.articles.push({ slug: article.slug, author, favoritedBy: new Set(), comments: [], tags: [...new Set(tagList)] });
  }
  toString = () => `createArticle(u${this.user}, ${JSON.stringify(this.title)}, [${this.tags}])`;
}

/** A user deletes an article: 204 for its author, 403 for anyone else. */
class DeleteArticle implements fc.AsyncCommand<SocialModel, SocialReal> {
  constructor(readonly user: number, readonly article: number) {}
  check = (m: Readonly<SocialModel>) => m.users.length > 0 && m.articles.length > 0;
  async run(m: SocialModel, r: SocialReal) {
    const user = this.user % m.users.length;
    const index = this.article % m.articles.length;
    const article = m.articles[index]!;
    const own = article.author === user;
    await call(r, 'DELETE', `/api/articles/${enc(article.slug)}`, m.users[user]!.token, undefined, own ? 204 : 403);
    if (own) m.articles.splice(index, 1);
  }
  toString = () => `deleteArticle(u${this.user}, a${this.article})`;
}

/** A user (un)favorites an article: the answer says so and counts every user who has. */
class SetFavorite implements fc.AsyncCommand<SocialModel, SocialReal> {
  constructor(readonly user: number, readonly article: number, readonly on: boolean) {}
  check = (m: Readonly<SocialModel>) => m.users.length > 0 && m.articles.length > 0;
  async run(m: SocialModel, r: SocialReal) {
    const user = this.user % m.users.length;
    const article = pick(m.articles, this.article)!;
    const res = await call(r, this.on ? 'POST' : 'DELETE', `/api/articles/${enc(article.slug)}/favorite`, m.users[user]!.token, undefined, 200);
    if (this.on) article.favoritedBy.add(user);
    else article.favoritedBy.delete(user);
    const got = (res.body as { article: Article }).article;
    assert.equal(got.favorited, this.on, 'favorited');
    assert.equal(got.favoritesCount, article.favoritedBy.size, 'favoritesCount equals the number of users who favorited');
  }
  toString = () => `${this.on ? 'favorite' : 'unfavorite'}(u${this.user}, a${this.article})`;
}

/** A user comments on an article. */
class AddComment implements fc.AsyncCommand<SocialModel, SocialReal> {
  constructor(readonly user: number, readonly article: number, readonly body: string) {}
  check = (m: Readonly<SocialModel>) => m.users.length > 0 && m.articles.length > 0;
  async run(m: SocialModel, r: SocialReal) {
    const user = this.user % m.users.length;
    const article = pick(m.articles, this.article)!;
    const res = await call(r, 'POST', `/api/articles/${enc(article.slug)}/comments`, m.users[user]!.token, { comment: { body: this.body } }, 201);
    article.comments.push({ id: (res.body as { comment: { id: number } }).comment.id, author: user });
  }
  toString = () => `comment(u${this.user}, a${this.article}, ${JSON.stringify(this.body)})`;
}

/** A user deletes a comment: 204 for its author, 403 for anyone else. */
class DeleteComment implements fc.AsyncCommand<SocialModel, SocialReal> {
  constructor(readonly user: number, readonly article: number, readonly comment: number) {}
  check = (m: Readonly<SocialModel>) => m.users.length > 0 && m.articles.some((a) => a.comments.length > 0);
  async run(m: SocialModel, r: SocialReal) {
    const user = this.user % m.users.length;
    const withComments = m.articles.filter((a) => a.comments.length > 0);
    const article = pick(withComments, this.article)!;
    const index = this.comment % article.comments.length;
    const comment = article.comments[index]!;
    const own = comment.author === user;
    await call(r, 'DELETE', `/api/articles/${enc(article.slug)}/comments/${comment.id}`, m.users[user]!.token, undefined, own ? 204 : 403);
    if (own) article.comments.splice(index, 1);
  }
  toString = () => `deleteComment(u${this.user}, a${this.article}, c${this.comment})`;
}

/** A user (un)follows another: 200 with `following`; following oneself is a 422. */
class SetFollowing implements fc.AsyncCommand<SocialModel, SocialReal> {
  constructor(readonly user: number, readonly target: number, readonly on: boolean) {}
  check = (m: Readonly<SocialModel>) => m.users.length > 0;
  async run(m: SocialModel, r: SocialReal) {
    const user = this.user % m.users.length;
    const target = this.target % m.users.length;
    const self = user === target;
    const res = await call(r, this.on ? 'POST' : 'DELETE', `/api/profiles/${enc(m.users[target]!.username)}/follow`, m.users[user]!.token, undefined, self ? 422 : 200);
    if (self) return;
    if (this.on) m.follows.add(`${user}>${target}`);
    else m.follows.delete(`${user}>${target}`);
    assert.equal((res.body as { profile: { following: boolean } }).profile.following, this.on);
  }
  toString = () => `${this.on ? 'follow' : 'unfollow'}(u${this.user}, u${this.target})`;
}

/**
 * Reads everything back as one user and holds it to the model: each
 * article's favoritesCount and favorited flag, its author's `following`,
 * its comments; per-author and per-favoriter lists (articlesCount equals
 * the returned length); the user's feed; the tags.
 */
export class CheckReads implements fc.AsyncCommand<SocialModel, SocialReal> {
  constructor(readonly user: number) {}
  check = (m: Readonly<SocialModel>) => m.users.length > 0;
  async run(m: SocialModel, r: SocialReal) {
    const viewer = this.user % m.users.length;
    const token = m.users[viewer]!.token;
    const follows = (a: number) => m.follows.has(`${viewer}>${a}`);
    for (const article of m.articles) {
      const got = (await call(r, 'GET', `/api/articles/${enc(article.slug)}`, token, undefined, 200)).body as { article: Article };
      assert.equal(got.article.favoritesCount, article.favoritedBy.size, `favoritesCount of ${article.slug}`);
      assert.equal(got.article.favorited, article.favoritedBy.has(viewer), `favorited of ${article.slug}`);
      assert.equal(got.article.author.following, follows(article.author), `author.following on ${article.slug}`);
      const comments = (await call(r, 'GET', `/api/articles/${enc(article.slug)}/comments`, token, undefined, 200)).body as { comments: { id: number }[] };
      assert.deepEqual(comments.comments.map((c) => c.id).sort((a, b) => a - b), article.comments.map((c) => c.id).sort((a, b) => a - b), `comments of ${article.slug}`);
    }
    const list = async (query: string, expected: Set<string>, what: string) => {
      const got = (await call(r, 'GET', `/api/articles?${query}&limit=100`, token, undefined, 200)).body as List;
      assert.equal(got.articlesCount, got.articles.length, `${what}: articlesCount equals the returned length`);
      assert.deepEqual(new Set(got.articles.map((a) => a.slug)), expected, what);
      for (const a of got.articles) {
        const model = m.articles.find((x) => x.slug === a.slug)!;
        assert.equal(a.favoritesCount, model.favoritedBy.size, `${what}: favoritesCount of ${a.slug}`);
        assert.equal(a.favorited, model.favoritedBy.has(viewer), `${what}: favorited of ${a.slug}`);
      }
    };
    for (const [index, user] of m.users.entries()) {
      const slugs = (keep: (a: SocialModel['articles'][0]) => boolean) => new Set(m.articles.filter(keep).map((a) => a.slug));
      await list(`author=${enc(user.username)}`, slugs((a) => a.author === index), `articles by ${user.username}`);
      await list(`favorited=${enc(user.username)}`, slugs((a) => a.favoritedBy.has(index)), `articles favorited by ${user.username}`);
    }
    const feed = (await call(r, 'GET', '/api/articles/feed?limit=100', token, undefined, 200)).body as List;
    assert.equal(feed.articlesCount, feed.articles.length, 'feed: articlesCount equals the returned length');
    assert.deepEqual(new Set(feed.articles.map((a) => a.slug)), new Set(m.articles.filter((a) => follows(a.author)).map((a) => a.slug)), 'feed holds the articles of followed authors');
    const tags = ((await call(r, 'GET', '/api/tags', token, undefined, 200)).body as { tags: string[] }).tags.filter((t) => t.startsWith(r.tag));
    assert.deepEqual(new Set(tags), new Set(m.articles.flatMap((a) => a.tags)), 'tags are those of live articles');
  }
  toString = () => `checkReads(u${this.user})`;
}

const title = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0),
  // NUL is refused at the door (400): not a title this model expects to be stored.
  fc.constantFrom(...NASTY_FRAGMENTS.filter((s) => !s.includes('\u0000'))).map((s) => `T ${s}`),
  fc.constantFrom('feed', 'Feed', '!', '😀', 'a'.repeat(300)),
);

/** Sequences of social actions by a handful of users, with a read-back after any of them. */
export function socialCommands(): fc.Arbitrary<Iterable<fc.AsyncCommand<SocialModel, SocialReal>>> {
  const who = fc.nat({ max: 7 });
  return fc.commands(
    [
      fc.constant(null).map(() => new Register()),
      fc.tuple(who, title, fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 })).map(([u, t, tags]) => new CreateArticle(u, t, tags)),
      fc.tuple(who, who).map(([u, a]) => new DeleteArticle(u, a)),
      // Favorites and follows twice: they are what the counts and the feed are about.
      fc.tuple(who, who, fc.boolean()).map(([u, a, on]) => new SetFavorite(u, a, on)),
      fc.tuple(who, who).map(([u, a]) => new SetFavorite(u, a, true)),
      fc.tuple(who, who, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0)).map(([u, a, b]) => new AddComment(u, a, b)),
      fc.tuple(who, who, who).map(([u, a, c]) => new DeleteComment(u, a, c)),
      fc.tuple(who, who, fc.boolean()).map(([u, t, on]) => new SetFollowing(u, t, on)),
      fc.tuple(who, who).map(([u, t]) => new SetFollowing(u, t, true)),
      who.map((u) => new CheckReads(u)),
    ],
    { maxCommands: 30, size: 'medium' },
  );
}
