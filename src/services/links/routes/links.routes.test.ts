import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { assertError, registerUser, sleep, type TestUser } from '../../../testing/fixtures.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { statementsAfter, statementsServed } from '../../../testing/statements.js';
import { createShardDatabases } from '../../../platform/sharding/testing/shard-databases.js';
import { hashIndex } from '../../../platform/sharding/hash-strategy.js';
import { createLink, eventually, linksOnDatabase, visit, type LinkJson } from '../testing.js';

/** Each database target, and real Postgres once more with links on 3 databases (LINKS_SHARDS, hash of the code). */
const targets = (await dbTargets()).flatMap((target) => [
  { name: target.name, target, shards: 0 },
  ...(target.name === 'postgres' ? [{ name: 'postgres, 3 shards', target, shards: 3 }] : []),
]);

/** The links contract: create, redirect, stats, disable, delete; bad input and other users' links. */
for (const { name, target, shards } of targets) {
  describe(`links [${name}]`, target.options, () => {
    let sys: TestSystem;
    let alice: TestUser;
    let bob: TestUser;
    let shardDatabases: Awaited<ReturnType<typeof createShardDatabases>> | undefined;

    before(async () => {
      shardDatabases = shards ? await createShardDatabases(shards) : undefined;
      const sharding = shardDatabases ? { LINKS_SHARDS: shardDatabases.urls.join(',') } : {};
      sys = await startTestSystem(target, { WRITE_BEHIND_FLUSH_MS: 50, LINKS_BLOCKLIST: 'evil.example', ...sharding });
      [alice, bob] = await Promise.all([registerUser(sys.api), registerUser(sys.api)]);
    });
    after(async () => {
      await sys?.close();
      await shardDatabases?.drop();
    });

    if (shards) {
      it('each link lives on the shard its code hashes to, only there; 30 links reach every shard; clicks are counted there', async () => {
        const created: LinkJson[] = [];
        for (let i = 0; i < 30; i++) created.push(await createLink(sys.api, alice.token, { url: `https://spread.example/${i}` }));
        const onShard = await Promise.all(shardDatabases!.urls.map((url) => linksOnDatabase(url)));
        for (const link of created) {
          const where = onShard.flatMap((rows, index) => (rows.some((r) => r.code === link.code) ? [index] : []));
          assert.deepEqual(where, [hashIndex(link.code, shards)], link.code);
        }
        assert.ok(onShard.every((rows) => rows.some((r) => created.some((l) => l.code === r.code))), 'every shard holds some of them');
        assert.deepEqual(await linksOnDatabase(sys.databaseUrl!), [], 'nothing on the service database');
        // Clicks of links on different shards are flushed to each link's own row.
        for (const link of created.slice(0, 6)) await visit(sys.url, `/${link.code}`);
        await eventually(async () => {
          const rows = (await Promise.all(shardDatabases!.urls.map((url) => linksOnDatabase(url)))).flat();
          return created.slice(0, 6).every((l) => rows.find((r) => r.code === l.code)?.clicks === 1);
        }, 'one click on each of 6 links, on their shards');
      });
    }

    it('creates a link with a short generated code and redirects to it with 302', async () => {
      const link = await createLink(sys.api, alice.token, { url: 'https://example.com/a?b=c#d' });
      assert.match(link.code, /^[A-Za-z0-9]{7}$/);
      assert.equal(link.shortUrl, `${sys.url}/${link.code}`);
      assert.equal(link.url, 'https://example.com/a?b=c#d');
      assert.deepEqual([link.permanent, link.disabled, link.clicks, link.expiresAt], [false, false, 0, null]);
      const res = await visit(sys.url, `/${link.code}`);
      assert.equal(res.status, 302);
      assert.equal(res.location, 'https://example.com/a?b=c#d');
      assert.equal(res.cacheControl, 'private, no-store');
    });

    it('a permanent link redirects with 301; an alias is its code', async () => {
      const alias = `Go-${Date.now().toString(36)}`;
      const link = await createLink(sys.api, alice.token, { url: 'http://example.org/', alias, permanent: true });
      assert.equal(link.code, alias);
      const res = await visit(sys.url, `/${alias}`);
      assert.equal(res.status, 301);
      assert.equal(res.location, 'http://example.org/');
      // Codes are case-sensitive: another spelling is another (unknown) code.
      assert.equal((await visit(sys.url, `/${alias.toLowerCase()}`)).status, 404);
    });

    it('a taken alias is a 409 and the first link is untouched', async () => {
      const alias = `taken${Date.now().toString(36)}`;
      await createLink(sys.api, alice.token, { url: 'https://first.example/', alias });
      assertError(await sys.api.post('/api/links', { link: { url: 'https://second.example/', alias } }, { token: bob.token }), 409, 'alias');
      assert.equal((await visit(sys.url, `/${alias}`)).location, 'https://first.example/');
    });

    it('aliases on reserved paths or outside the code alphabet are refused (422)', async () => {
      for (const alias of ['api', 'healthz', 'METRICS', 'readyz', 'static', 'assets', 'internal', 'gateway']) {
        assertError(await sys.api.post('/api/links', { link: { url: 'https://x.example/', alias } }, { token: alice.token }), 422, 'alias', 'is reserved');
      }
      for (const alias of ['ab', 'has space', 'a/b', 'file.js', '..', 'x'.repeat(65)]) {
        const res = await sys.api.post('/api/links', { link: { url: 'https://x.example/', alias } }, { token: alice.token });
        assert.equal(res.status, 422, `${alias}: ${JSON.stringify(res.body)}`);
      }
    });

    it('only http(s) targets: javascript:, data:, file:, relative, credentials and blocklisted hosts are 422', async () => {
      const refused = [
        'javascript:alert(1)',
        'JaVaScRiPt:alert(1)',
        'data:text/html,<script>alert(1)</script>',
        'file:///etc/passwd',
        'ftp://example.com/',
        '/relative/path',
        'not a url',
        'https://user:pass@bank.example/',
        'https://evil.example/login',
        'https://www.EVIL.example./x',
        `https://example.com/${'a'.repeat(2100)}`,
      ];
      for (const url of refused) {
        const res = await sys.api.post('/api/links', { link: { url } }, { token: alice.token });
        assertError(res, 422, 'url');
      }
      // A look-alike host is not its subdomain.
      await createLink(sys.api, alice.token, { url: 'https://notevil.example/' });
    });

    it('bad bodies: missing auth 401, forged token 401, malformed JSON 400, wrong types and past expiry 422', async () => {
      assertError(await sys.api.post('/api/links', { link: { url: 'https://x.example/' } }), 401, 'token', 'is missing');
      assertError(await sys.api.post('/api/links', { link: { url: 'https://x.example/' } }, { token: `${alice.token}x` }), 401, 'token', 'is invalid');
      assertError(await sys.api.post('/api/links', undefined, { token: alice.token, rawBody: '{"link":' }), 400, 'body');
      for (const link of [{ url: 42 }, { url: 'https://x.example/', permanent: 'yes' }, { url: 'https://x.example/', alias: 7 }, {}]) {
        assert.equal((await sys.api.post('/api/links', { link }, { token: alice.token })).status, 422, JSON.stringify(link));
      }
      assertError(await sys.api.post('/api/links', { link: { url: 'https://x.example/', expiresAt: '2001-01-01T00:00:00Z' } }, { token: alice.token }), 422, 'expiresAt');
      assertError(await sys.api.post('/api/links', { link: { url: 'https://x.example/', expiresAt: 'tomorrow' } }, { token: alice.token }), 422, 'expiresAt');
    });

    it('an expired link answers 410', async () => {
      const link = await createLink(sys.api, alice.token, { url: 'https://soon.example/', expiresAt: new Date(Date.now() + 400).toISOString() });
      assert.equal((await visit(sys.url, `/${link.code}`)).status, 302);
      await sleep(500);
      const res = await visit(sys.url, `/${link.code}`);
      assert.equal(res.status, 410);
      assert.deepEqual(res.body, { errors: { link: ['has expired'] } });
    });

    it('unknown codes are 404 and cached as unknown: the second miss costs no SQL', async () => {
      const route = '/:code';
      const before = await statementsServed(sys.api, route);
      assert.equal((await visit(sys.url, '/NoSuchCode1')).status, 404);
      const once = await statementsAfter(sys.api, route, before, 1);
      assert.equal(once.sum - before.sum, 1, 'the first miss is one indexed read');
      assert.equal((await visit(sys.url, '/NoSuchCode1')).status, 404);
      const twice = await statementsAfter(sys.api, route, once, 1);
      assert.equal(twice.sum - once.sum, 0, 'the second miss is answered by the negative cache');
      // A code cached as unknown and then created redirects at once.
      const link = await createLink(sys.api, alice.token, { url: 'https://later.example/', alias: 'NoSuchCode1' });
      assert.equal((await visit(sys.url, `/${link.code}`)).location, 'https://later.example/');
    });

    it('a cached redirect costs no SQL statement (clicks are written behind)', async () => {
      const link = await createLink(sys.api, alice.token, { url: 'https://hot.example/' });
      const route = '/:code';
      await visit(sys.url, `/${link.code}`);
      const before = await statementsAfter(sys.api, route, await statementsServed(sys.api, route), 0);
      for (let i = 0; i < 20; i++) assert.equal((await visit(sys.url, `/${link.code}`)).status, 302);
      const after = await statementsAfter(sys.api, route, before, 20);
      assert.equal(after.sum - before.sum, 0);
      await eventually(async () => (await sys.api.get(`/api/links/${link.code}`, { token: alice.token })).body.link.clicks === 21, 'clicks flushed');
    });

    it('reserved paths and file names are never taken by the redirect', async () => {
      assert.deepEqual((await visit(sys.url, '/healthz')).body, { status: 'ok' });
      assert.equal((await visit(sys.url, '/readyz')).status, 200);
      for (const path of ['/api', '/favicon.ico', '/main.js', '/internal', '/static', '/app']) {
        const res = await visit(sys.url, path);
        assert.equal(res.status, 404, path);
        assert.equal(res.location, null, path);
      }
      assert.deepEqual((await sys.api.get('/api/tags')).body, { tags: [] });
    });

    it('stats: time series and top referrers from the column store, for the owner only', async () => {
      const link = await createLink(sys.api, alice.token, { url: 'https://stats.example/' });
      const referers = ['https://news.example/a', 'https://news.example/b', 'https://blog.example/', undefined, 'https://news.example/c'];
      for (const referer of referers) await visit(sys.url, `/${link.code}`, referer ? { referer } : {});
      const path = `/api/links/${link.code}/stats?bucket=hour`;
      await eventually(async () => (await sys.api.get(path, { token: alice.token })).body.stats.total === 5, 'click events in the column store');
      const { stats } = (await sys.api.get(path, { token: alice.token })).body;
      assert.equal(stats.code, link.code);
      assert.equal(stats.bucket, 'hour');
      const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
      assert.deepEqual(stats.series.at(-1), { t: hour, clicks: stats.series.length === 1 ? 5 : stats.series.at(-1).clicks });
      assert.equal(stats.series.reduce((n: number, s: { clicks: number }) => n + s.clicks, 0), 5);
      assert.deepEqual(stats.topReferrers, [
        { host: 'news.example', clicks: 3 },
        { host: '', clicks: 1 },
        { host: 'blog.example', clicks: 1 },
      ]);
      // A range without clicks is empty, not an error.
      const empty = await sys.api.get(`/api/links/${link.code}/stats?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z`, { token: alice.token });
      assert.deepEqual([empty.status, empty.body.stats.total, empty.body.stats.series], [200, 0, []]);
    });

    it('stats: bad ranges and buckets are 422, unknown codes 404', async () => {
      const link = await createLink(sys.api, alice.token, { url: 'https://range.example/' });
      const base = `/api/links/${link.code}/stats`;
      assertError(await sys.api.get(`${base}?bucket=minute`, { token: alice.token }), 422, 'bucket');
      assertError(await sys.api.get(`${base}?from=yesterday`, { token: alice.token }), 422, 'from');
      assertError(await sys.api.get(`${base}?from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z`, { token: alice.token }), 422, 'from');
      assertError(await sys.api.get(`${base}?bucket=hour&from=2024-01-01T00:00:00Z&to=2024-06-01T00:00:00Z`, { token: alice.token }), 422, 'to');
      assertError(await sys.api.get('/api/links/NoSuchCode2/stats', { token: alice.token }), 404, 'link');
    });

    it("another user can't read, disable, delete or see the stats of a link (403), and it keeps working", async () => {
      const link = await createLink(sys.api, alice.token, { url: 'https://mine.example/' });
      assertError(await sys.api.get(`/api/links/${link.code}`, { token: bob.token }), 403, 'link');
      assertError(await sys.api.put(`/api/links/${link.code}`, { link: { disabled: true } }, { token: bob.token }), 403, 'link');
      assertError(await sys.api.delete(`/api/links/${link.code}`, { token: bob.token }), 403, 'link');
      assertError(await sys.api.get(`/api/links/${link.code}/stats`, { token: bob.token }), 403, 'link');
      assertError(await sys.api.delete(`/api/links/${link.code}`), 401, 'token', 'is missing');
      assert.equal((await visit(sys.url, `/${link.code}`)).status, 302);
      assert.equal((await sys.api.get(`/api/links/${link.code}`, { token: alice.token })).status, 200);
    });

    it('the owner disables (410), re-enables (302) and deletes (404) a link', async () => {
      const link = await createLink(sys.api, alice.token, { url: 'https://toggle.example/' });
      await visit(sys.url, `/${link.code}`); // cached now: the writes below must reach the cache
      const off = await sys.api.put<{ link: LinkJson }>(`/api/links/${link.code}`, { link: { disabled: true } }, { token: alice.token });
      assert.equal(off.body.link.disabled, true);
      const gone = await visit(sys.url, `/${link.code}`);
      assert.equal(gone.status, 410);
      assert.deepEqual(gone.body, { errors: { link: ['is disabled'] } });
      await sys.api.put(`/api/links/${link.code}`, { link: { disabled: false } }, { token: alice.token });
      assert.equal((await visit(sys.url, `/${link.code}`)).status, 302);
      assert.equal((await sys.api.delete(`/api/links/${link.code}`, { token: alice.token })).status, 204);
      assert.equal((await visit(sys.url, `/${link.code}`)).status, 404);
      assertError(await sys.api.get(`/api/links/${link.code}`, { token: alice.token }), 404, 'link');
      assertError(await sys.api.put(`/api/links/${link.code}`, { link: { disabled: 'no' } }, { token: alice.token }), 422, 'disabled');
    });
  });
}

describe('link creation is rate-limited per user', () => {
  it('the 31st link in a minute is a 429 for that user; another user still creates', async () => {
    const [target] = await dbTargets();
    const sys = await startTestSystem(target!, { RATE_LIMIT_ENABLED: true });
    try {
      const [carol, dave] = await Promise.all([registerUser(sys.api), registerUser(sys.api)]);
      for (let i = 0; i < 30; i++) await createLink(sys.api, carol.token, { url: `https://x.example/${i}` });
      const refused = await sys.api.post('/api/links', { link: { url: 'https://x.example/31' } }, { token: carol.token });
      assertError(refused, 429, 'rate');
      assert.ok(refused.headers.get('retry-after'));
      await createLink(sys.api, dave.token, { url: 'https://x.example/dave' });
    } finally {
      await sys.close();
    }
  });
});
