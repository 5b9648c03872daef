// @isolated: starts real processes (an embedded server, then a services topology with a gateway).
/**
 * User deletion as an operator and a client meet it, on the real CLI against
 * real Postgres: `scalestack users delete` next to a running server, and
 * DELETE /api/user through the gateway of `--topology services` (social in
 * another process than identity, a bus shared through a private Redis). The
 * deleted user's token is refused on writes, their articles leave every list
 * with counts that agree, and nothing answers 500.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEntry, rawRequest, spawnScript, type NodeProcess } from '../testing/cli-process.js';
import { dbTargets } from '../testing/db-targets.js';
import { ownRedisOptions, startOwnRedis, type OwnRedis } from '../testing/redis-server.js';
import { waitFor } from '../platform/bus/testing/targets.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
const FAST_ARGON = { ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', LOG_LEVEL: 'warn', LOG_PRETTY: 'false' };

interface Article {
  slug: string;
  author: { username: string };
}
interface List {
  articles: Article[];
  articlesCount: number;
}

/** Registers, writes three articles and a comment on `other`'s article (when given); returns the token and slugs. */
async function author(url: string, username: string, otherSlug?: string) {
  const reg = await rawRequest(url, 'POST', '/api/users', { user: { username, email: `${username}@example.com`, password: 'password123' } });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  const token = (reg.body as { user: { token: string } }).user.token;
  const auth = { authorization: `Token ${token}` };
  const slugs: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await rawRequest(url, 'POST', '/api/articles', { article: { title: `${username} ${i}`, description: 'd', body: 'b', tagList: [username] } }, auth);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    slugs.push((res.body as { article: Article }).article.slug);
  }
  if (otherSlug) assert.equal((await rawRequest(url, 'POST', `/api/articles/${otherSlug}/comments`, { comment: { body: 'hi' } }, auth)).status, 201);
  return { token, auth, slugs };
}

/** The deleted user's content is gone and every list agrees with its count; no 500 on any of it. */
async function assertGone(url: string, username: string, slugs: string[], before: number) {
  await waitFor(`${username}'s articles leave the list`, async () => ((await rawRequest(url, 'GET', '/api/articles?limit=100')).body as List).articlesCount === before - 3);
  const list = (await rawRequest(url, 'GET', '/api/articles?limit=100')).body as List;
  assert.equal(list.articles.length, list.articlesCount);
  assert.ok(!list.articles.some((a) => a.author.username === username));
  for (const slug of slugs) {
    const res = await rawRequest(url, 'GET', `/api/articles/${slug}`);
    assert.equal(res.status, 404, `${slug}: ${res.status} ${JSON.stringify(res.body)}`);
    assert.equal((await rawRequest(url, 'GET', `/api/articles/${slug}/comments`)).status, 404);
  }
  assert.equal(((await rawRequest(url, 'GET', `/api/articles?tag=${username}`)).body as List).articlesCount, 0);
  assert.equal(((await rawRequest(url, 'GET', `/api/articles?author=${username}`)).body as List).articlesCount, 0);
}

describe('scalestack users delete <username>, next to a running server', postgres.options, () => {
  let server: NodeProcess;
  let dbUrl: string | undefined;
  before(async () => {
    dbUrl = await postgres.create();
    server = await spawnScript(cliEntry(), ['start'], { env: { ...FAST_ARGON, DATABASE_URL: dbUrl, DATA_DIR: 'memory://' } });
    await server.waitReady('/readyz', 60_000);
  });
  after(async () => {
    await server?.stop('SIGTERM', 20_000);
    await postgres.drop(dbUrl);
  });

  it('deletes the account: the token is refused on writes, the content goes; an unknown name exits 1', async () => {
    const bob = await author(server.url, 'clibob');
    const alice = await author(server.url, 'clialice', bob.slugs[0]);
    const before = ((await rawRequest(server.url, 'GET', '/api/articles?limit=100')).body as List).articlesCount;

    const cli = await spawnScript(cliEntry(), ['users', 'delete', 'clialice'], { env: { DATABASE_URL: dbUrl, LOG_LEVEL: 'warn' } });
    assert.equal((await cli.exited).code, 0, cli.output());
    assert.match(cli.output(), /deleted user clialice/);
    await waitFor('the running server refuses the deleted user\'s token', async () =>
      (await rawRequest(server.url, 'POST', '/api/articles', { article: { title: 'late', description: 'd', body: 'b' } }, alice.auth)).status === 401);
    await assertGone(server.url, 'clialice', alice.slugs, before);
    const comments = (await rawRequest(server.url, 'GET', `/api/articles/${bob.slugs[0]}/comments`)).body as { comments: unknown[] };
    assert.equal(comments.comments.length, 0);

    const unknown = await spawnScript(cliEntry(), ['users', 'delete', 'nobody-here'], { env: { DATABASE_URL: dbUrl, LOG_LEVEL: 'warn' } });
    assert.equal((await unknown.exited).code, 1);
    assert.match(unknown.output(), /no user "nobody-here"/);
  });
});

describe('--topology services: DELETE /api/user through the gateway', { ...postgres.options, ...ownRedisOptions() }, () => {
  let system: NodeProcess;
  let dbUrl: string | undefined;
  let dataDir: string;
  let redis: OwnRedis;
  before(async () => {
    dbUrl = await postgres.create();
    dataDir = await mkdtemp(join(tmpdir(), 'scalestack-deletion-'));
    // A private Redis, shared by the processes (a topology needs one) and their bus: events must cross processes
    // (identity's event, social's consumer), and no other suite may consume them.
    redis = await startOwnRedis();
    system = await spawnScript(cliEntry(), ['start', '--topology', 'services'], {
      env: { ...FAST_ARGON, DATABASE_URL: dbUrl, DATA_DIR: dataDir, REDIS_URL: redis.url, BUS_URL: redis.url },
    });
    await system.waitReady('/readyz', 120_000);
  });
  after(async () => {
    await system?.stop('SIGTERM', 30_000);
    await redis?.stop();
    await postgres.drop(dbUrl);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('the deleted user gets 401 on writes at once (gateway-signed identity checked in social); content gone, counts agree, no 500', async () => {
    const bob = await author(system.url, 'gwbob');
    const alice = await author(system.url, 'gwalice', bob.slugs[0]);
    const before = ((await rawRequest(system.url, 'GET', '/api/articles?limit=100')).body as List).articlesCount;

    assert.equal((await rawRequest(system.url, 'DELETE', '/api/user', undefined, alice.auth)).status, 204);
    const post = await rawRequest(system.url, 'POST', '/api/articles', { article: { title: 'late', description: 'd', body: 'b' } }, alice.auth);
    assert.equal(post.status, 401, JSON.stringify(post.body));
    assert.equal((await rawRequest(system.url, 'POST', `/api/articles/${bob.slugs[0]}/comments`, { comment: { body: 'late' } }, alice.auth)).status, 401);
    assert.equal((await rawRequest(system.url, 'POST', `/api/articles/${bob.slugs[1]}/favorite`, undefined, alice.auth)).status, 401);
    await assertGone(system.url, 'gwalice', alice.slugs, before);
    const comments = (await rawRequest(system.url, 'GET', `/api/articles/${bob.slugs[0]}/comments`)).body as { comments: unknown[] };
    assert.equal(comments.comments.length, 0);
  });

  it('a password change through the gateway revokes older tokens there too; the fresh token works', async () => {
    const reg = await rawRequest(system.url, 'POST', '/api/users', { user: { username: 'gwcarol', email: 'gwcarol@example.com', password: 'password123' } });
    const old = { authorization: `Token ${(reg.body as { user: { token: string } }).user.token}` };
    const changed = await rawRequest(system.url, 'PUT', '/api/user', { user: { password: 'another-password' } }, old);
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const fresh = { authorization: `Token ${(changed.body as { user: { token: string } }).user.token}` };
    const article = { article: { title: 'revoked?', description: 'd', body: 'b' } };
    assert.equal((await rawRequest(system.url, 'POST', '/api/articles', article, old)).status, 401, 'old token refused at the edge');
    assert.equal((await rawRequest(system.url, 'GET', '/api/user', undefined, old)).status, 401);
    assert.equal((await rawRequest(system.url, 'POST', '/api/articles', article, fresh)).status, 201);
    assert.equal((await rawRequest(system.url, 'GET', '/api/user', undefined, fresh)).status, 200);
  });
});
