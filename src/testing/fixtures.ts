/**
 * Shared helpers for the RealWorld (Conduit) integration suites: unique test
 * data through the public API, and the assertions every suite repeats.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ApiClient, ApiResponse } from './api-client.js';

// ---------------------------------------------------------------- shapes

export interface TestUser {
  token: string;
  username: string;
  email: string;
  password: string;
}

export interface UserJson {
  email: string;
  token: string;
  /** On sign-in, registration, refresh and a password change (docs/patterns/refresh-tokens.md). */
  refreshToken?: string;
  username: string;
  bio: string | null;
  image: string | null;
}

export interface ProfileJson {
  username: string;
  bio: string | null;
  image: string | null;
  following: boolean;
}

export interface ArticleJson {
  slug: string;
  title: string;
  description: string;
  /** Present on single-article responses, absent from list items. */
  body?: string;
  tagList: string[];
  createdAt: string;
  updatedAt: string;
  favorited: boolean;
  favoritesCount: number;
  author: ProfileJson;
}

export interface ArticleListJson {
  articles: ArticleJson[];
  articlesCount: number;
}

export interface CommentJson {
  id: number;
  createdAt: string;
  updatedAt: string;
  body: string;
  author: ProfileJson;
}

export interface NewArticle {
  title?: unknown;
  description?: unknown;
  body?: unknown;
  tagList?: unknown;
}

// ---------------------------------------------------------------- data

/** A short random lowercase word, unique enough per test run: `prefix` + 10 hex digits. */
export function unique(prefix = 'u'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/** Registers a fresh user (random username/email) and returns its credentials and token. */
export async function registerUser(
  api: ApiClient,
  overrides: Partial<Omit<TestUser, 'token'>> = {},
): Promise<TestUser> {
  const username = overrides.username ?? unique('user');
  const email = overrides.email ?? `${username}@example.com`;
  const password = overrides.password ?? 'password123';
  const res = await api.post<{ user: UserJson }>('/api/users', { user: { username, email, password } });
  assert.equal(res.status, 201, `register ${username}: ${JSON.stringify(res.body)}`);
  assert.equal(typeof res.body.user.token, 'string');
  return { token: res.body.user.token, username, email, password };
}

/** Creates an article (random title unless given) as the token's user; asserts 201 and returns the article. */
export async function createArticle(api: ApiClient, token: string, overrides: NewArticle = {}): Promise<ArticleJson> {
  const article = {
    title: unique('Title '),
    description: 'A description',
    body: 'The body of the article',
    ...overrides,
  };
  const res = await api.post<{ article: ArticleJson }>('/api/articles', { article }, { token });
  assert.equal(res.status, 201, `create article: ${JSON.stringify(res.body)}`);
  return res.body.article;
}

/** The token's user follows `username`; asserts 200 and returns the profile. */
export async function follow(api: ApiClient, token: string, username: string): Promise<ProfileJson> {
  const res = await api.post<{ profile: ProfileJson }>(`/api/profiles/${encodeURIComponent(username)}/follow`, undefined, {
    token,
  });
  assert.equal(res.status, 200, `follow ${username}: ${JSON.stringify(res.body)}`);
  return res.body.profile;
}

/** The token's user favorites the article; asserts 200 and returns the article. */
export async function favorite(api: ApiClient, token: string, slug: string): Promise<ArticleJson> {
  const res = await api.post<{ article: ArticleJson }>(`/api/articles/${encodeURIComponent(slug)}/favorite`, undefined, {
    token,
  });
  assert.equal(res.status, 200, `favorite ${slug}: ${JSON.stringify(res.body)}`);
  return res.body.article;
}

/** Adds a comment; asserts 201 and returns it. */
export async function addComment(api: ApiClient, token: string, slug: string, body = unique('comment ')): Promise<CommentJson> {
  const res = await api.post<{ comment: CommentJson }>(
    `/api/articles/${encodeURIComponent(slug)}/comments`,
    { comment: { body } },
    { token },
  );
  assert.equal(res.status, 201, `comment on ${slug}: ${JSON.stringify(res.body)}`);
  return res.body.comment;
}

/** GET /api/articles with the given query; asserts 200 and the list shape. */
export async function listArticles(
  api: ApiClient,
  query: Record<string, string | number> = {},
  token?: string,
): Promise<ArticleListJson> {
  return getList(api, '/api/articles', query, token);
}

/** GET /api/articles/feed; asserts 200 and the list shape. */
export async function feed(api: ApiClient, token: string, query: Record<string, string | number> = {}): Promise<ArticleListJson> {
  return getList(api, '/api/articles/feed', query, token);
}

async function getList(
  api: ApiClient,
  path: string,
  query: Record<string, string | number>,
  token: string | undefined,
): Promise<ArticleListJson> {
  const res = await api.get<ArticleListJson>(withQuery(path, query), { token });
  assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
  assertArticleList(res.body);
  return res.body;
}

export function withQuery(path: string, query: Record<string, string | number>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) params.append(k, String(v));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- assertions

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** ISO 8601 UTC with milliseconds, e.g. 2016-02-18T03:22:56.637Z, and a real date. */
export function assertIsoMs(value: unknown, what = 'timestamp'): asserts value is string {
  assert.equal(typeof value, 'string', `${what} should be a string, got ${JSON.stringify(value)}`);
  assert.match(value as string, ISO_MS, `${what} should be ISO 8601 with milliseconds`);
  assert.ok(!Number.isNaN(Date.parse(value as string)), `${what} should be a valid date`);
}

/** Stack frames or error class names must never leave the server. */
export function assertNoStackTrace(res: ApiResponse): void {
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? '');
  assert.doesNotMatch(text, /\bat \S+ \(|\bat (file|node):|node:internal|Error:|\.ts:\d+:\d+|\.js:\d+:\d+/, `stack trace leaked: ${text}`);
}

/** The stable x-error-code of a (status, key) pair, as documented in src/platform/errors/catalog.ts. */
function expectedCode(status: number, key: string): string | undefined {
  switch (status) {
    case 400:
      return 'SS_MALFORMED_BODY';
    case 401:
      return key === 'credentials' ? 'SS_BAD_CREDENTIALS' : undefined; // token: missing or invalid, checked below
    case 403:
      return 'SS_FORBIDDEN';
    case 404:
      return 'SS_NOT_FOUND';
    case 405:
      return 'SS_METHOD_NOT_ALLOWED';
    case 409:
      return 'SS_CONFLICT';
    case 413:
      return 'SS_BODY_TOO_LARGE';
    case 415:
      return 'SS_UNSUPPORTED_MEDIA_TYPE';
    case 422:
      return 'SS_VALIDATION';
    default:
      return undefined;
  }
}

/**
 * An error response: the status, `{"errors": {<key>: [...messages]}}` with
 * only string messages, an `x-error-code` header, JSON content type, and no
 * stack trace. With `message`, `errors[key]` must be exactly `[message]`
 * (a RegExp must match one of the messages instead).
 */
export function assertError(res: ApiResponse, status: number, key: string, message?: string | RegExp): void {
  const dump = `${res.status} ${JSON.stringify(res.body)}`;
  assert.equal(res.status, status, `expected ${status} {"errors":{"${key}":...}}, got ${dump}`);
  assertErrorShape(res);
  const errors = (res.body as { errors: Record<string, unknown> }).errors;
  assert.ok(Object.hasOwn(errors, key), `expected errors keyed "${key}", got ${dump}`);
  const messages = errors[key] as string[];
  if (typeof message === 'string') assert.deepEqual(messages, [message], `errors.${key}: ${dump}`);
  else if (message) assert.ok(messages.some((m) => message.test(m)), `errors.${key} should match ${message}: ${dump}`);
  const code = res.headers.get('x-error-code');
  const expected = expectedCode(status, key);
  if (expected) assert.equal(code, expected, `x-error-code for ${dump}`);
  if (status === 401 && key === 'token') {
    if (message === 'is missing') assert.equal(code, 'SS_TOKEN_MISSING');
    if (message === 'is invalid') assert.equal(code, 'SS_TOKEN_INVALID');
  }
}

/** Any error response (status not pinned): 4xx, errors object of string arrays, x-error-code, JSON, no stack. */
export function assertErrorShape(res: ApiResponse): void {
  const dump = `${res.status} ${JSON.stringify(res.body)}`;
  assert.ok(res.status >= 400 && res.status < 500, `expected a 4xx, got ${dump}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `content type of ${dump}`);
  assert.match(res.headers.get('x-error-code') ?? '', /^SS_[A-Z_]+$/, `x-error-code of ${dump}`);
  assertNoStackTrace(res);
  const body = res.body as { errors?: unknown };
  assert.equal(typeof body, 'object', dump);
  assert.ok(body !== null, dump);
  assert.deepEqual(Object.keys(body), ['errors'], `error body has only "errors": ${dump}`);
  assert.equal(typeof body.errors, 'object', dump);
  assert.ok(body.errors !== null && !Array.isArray(body.errors), dump);
  const errors = body.errors as Record<string, unknown>;
  assert.ok(Object.keys(errors).length > 0, `errors should not be empty: ${dump}`);
  for (const [field, messages] of Object.entries(errors)) {
    assert.ok(Array.isArray(messages) && messages.length > 0, `errors.${field} should be a non-empty array: ${dump}`);
    for (const m of messages) assert.equal(typeof m, 'string', `errors.${field} holds strings: ${dump}`);
  }
}

export function assertProfile(profile: ProfileJson, expected?: Partial<ProfileJson>): void {
  assert.equal(typeof profile.username, 'string');
  assert.ok(profile.bio === null || typeof profile.bio === 'string', `bio: ${JSON.stringify(profile.bio)}`);
  assert.ok(profile.image === null || typeof profile.image === 'string', `image: ${JSON.stringify(profile.image)}`);
  assert.equal(typeof profile.following, 'boolean');
  assert.deepEqual(Object.keys(profile).sort(), ['bio', 'following', 'image', 'username']);
  if (expected) for (const [k, v] of Object.entries(expected)) assert.deepEqual(profile[k as keyof ProfileJson], v, `profile.${k}`);
}

/** Article shape: types, timestamps, integer count, sorted tags; `body` only when `withBody`. */
export function assertArticle(article: ArticleJson, { withBody }: { withBody: boolean }): void {
  assert.equal(typeof article.slug, 'string');
  assert.ok(article.slug.length > 0, 'slug is not empty');
  assert.equal(typeof article.title, 'string');
  assert.equal(typeof article.description, 'string');
  if (withBody) assert.equal(typeof article.body, 'string', 'single article carries body');
  else assert.ok(!('body' in article), `list items carry no body: ${JSON.stringify(article)}`);
  assert.ok(Array.isArray(article.tagList), 'tagList is an array');
  for (const tag of article.tagList) assert.equal(typeof tag, 'string');
  assert.deepEqual(article.tagList, [...article.tagList].sort(), 'tagList is sorted');
  assertIsoMs(article.createdAt, 'createdAt');
  assertIsoMs(article.updatedAt, 'updatedAt');
  assert.equal(typeof article.favorited, 'boolean');
  assert.ok(Number.isInteger(article.favoritesCount), `favoritesCount is a number: ${JSON.stringify(article.favoritesCount)}`);
  assertProfile(article.author);
}

export function assertArticleList(list: ArticleListJson): void {
  assert.ok(Array.isArray(list.articles), `articles is an array: ${JSON.stringify(list)}`);
  assert.ok(Number.isInteger(list.articlesCount), `articlesCount is a number: ${JSON.stringify(list.articlesCount)}`);
  for (const a of list.articles) assertArticle(a, { withBody: false });
}

export function assertComment(comment: CommentJson): void {
  assert.ok(Number.isInteger(comment.id), `comment id is a number: ${JSON.stringify(comment.id)}`);
  assert.equal(typeof comment.body, 'string');
  assertIsoMs(comment.createdAt, 'createdAt');
  assertIsoMs(comment.updatedAt, 'updatedAt');
  assertProfile(comment.author);
}

/** Slugs of a list, for order assertions. */
export const slugs = (list: ArticleListJson): string[] => list.articles.map((a) => a.slug);
