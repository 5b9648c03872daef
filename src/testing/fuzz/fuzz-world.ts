import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Injector } from './injector.js';
import type { FuzzWorld } from './request-arbitrary.js';

/** A secret the fuzzed system runs with, so the fuzzer can mint validly signed tokens the system must still refuse. */
export const FUZZ_JWT_SECRET = randomBytes(32).toString('base64url');

async function call(app: Injector, method: 'POST' | 'GET', url: string, body?: unknown, token?: string) {
  const res = await app.inject({
    method,
    url,
    headers: { ...(token ? { authorization: `Token ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { payload: JSON.stringify(body) } : {}),
  });
  assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.statusCode === 204 ? {} : (res.json() as Record<string, Record<string, unknown>>);
}

/** Validly shaped tokens the system must answer 401 to. */
async function badTokens(): Promise<string[]> {
  const key = new TextEncoder().encode(FUZZ_JWT_SECRET);
  const base = (sub: string) => new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(sub).setIssuer('scalestack').setIssuedAt();
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return [
    await base('1').setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(key), // expired
    await base('2000000000').setExpirationTime('1h').sign(key), // no such user
    await base('abc').setExpirationTime('1h').sign(key), // subject not an id
    await base('1').setExpirationTime('1h').sign(new TextEncoder().encode('another secret that is long enough!!')),
    `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: '1', iss: 'scalestack' })}.`, // alg none
  ];
}

/**
 * Two users, an article with tags and a comment by the first, a favorite
 * and a follow by the second: rows the fuzzed requests can reach as their
 * owner, as someone else, and anonymously. Fresh for every route, since a
 * fuzzed DELETE may remove them.
 */
export async function buildWorld(app: Injector): Promise<FuzzWorld> {
  const tag = randomBytes(4).toString('hex');
  const users = [];
  for (const name of [`fuzza${tag}`, `fuzzb${tag}`]) {
    const { user } = await call(app, 'POST', '/api/users', { user: { username: name, email: `${name}@example.com`, password: 'password123' } });
    users.push({ username: name, token: String(user!['token']) });
  }
  const [owner, other] = users as [(typeof users)[0], (typeof users)[0]];
  const { article } = await call(app, 'POST', '/api/articles', { article: { title: `Fuzz ${tag} ünïcödé`, description: 'd', body: 'b', tagList: [`t${tag}`, 'fuzz'] } }, owner.token);
  const slug = String(article!['slug']);
  const { comment } = await call(app, 'POST', `/api/articles/${slug}/comments`, { comment: { body: 'first' } }, owner.token);
  await call(app, 'POST', `/api/articles/${slug}/favorite`, undefined, other.token);
  await call(app, 'POST', `/api/profiles/${owner.username}/follow`, undefined, other.token);
  const usernames = users.map((u) => u.username);
  return {
    tokens: users.map((u) => u.token),
    badTokens: await badTokens(),
    known: {
      slug: [slug],
      username: usernames,
      author: usernames,
      favorited: usernames,
      email: usernames.map((u) => `${u}@example.com`),
      password: ['password123'],
      id: [String(comment!['id'])],
      tag: [`t${tag}`, 'fuzz'],
    },
  };
}
