// @isolated: several real processes under load; a busy neighbour makes the gateway shed load.
/**
 * Acceptance, on the real CLI against real Postgres: `scalestack start
 * --topology services --replicas social=2` serves the Conduit API through
 * the gateway; `scalestack restart social` under a steady load of reads and
 * writes fails no request; a social replica reached directly still refuses
 * unauthenticated and forged-identity writes.
 */
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEntry, rawRequest, sleep, spawnCli, spawnScript, type NodeProcess } from '../testing/cli-process.js';
import { dbTargets } from '../testing/db-targets.js';
import { TEST_REDIS_URL } from '../testing/redis-probe.js';
import { dropRedisKeys } from '../testing/redis-keys.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;

interface Upstreams {
  services: Record<string, Array<{ url: string; draining: boolean }>>;
}

describe('multi-process topology: rolling restart of social under load', postgres.options, () => {
  let system: NodeProcess;
  let dbUrl: string | undefined;
  let dataDir: string;
  let adminToken: string;
  const asAdmin = () => ({ authorization: `Bearer ${adminToken}` });

  const prefix = `rolling-${randomBytes(4).toString('hex')}`;
  before(async () => {
    dbUrl = await postgres.create();
    dataDir = await mkdtemp(join(tmpdir(), 'scalestack-topology-'));
    system = await spawnScript(cliEntry(), ['start', '--topology', 'services', '--replicas', 'social=2'], {
      env: {
        DATABASE_URL: dbUrl,
        DATA_DIR: dataDir,
        // A topology needs a shared Redis (cache, timelines, rate limits, and the bus here: BUS_URL unset).
        REDIS_URL: TEST_REDIS_URL,
        CACHE_PREFIX: prefix,
        LOG_LEVEL: 'warn',
        LOG_PRETTY: 'false',
        ARGON2_MEMORY_KIB: '1024',
        ARGON2_TIME_COST: '1',
        // The default 600 writes/min per user would (rightly) refuse this test's steady writer.
        RATE_LIMITS: JSON.stringify([{ name: 'writes', key: 'user', limit: 100_000, windowSeconds: 60, methods: ['POST'] }]),
      },
    });
    await system.waitReady('/readyz', 120_000);
    adminToken = (JSON.parse(await readFile(join(dataDir, 'supervisor.json'), 'utf8')) as { adminToken: string }).adminToken;
  });
  after(async () => {
    await system?.stop('SIGTERM', 30_000);
    // Its private prefix's keys (bus streams and job queues never expire) would outlive the run on the shared Redis.
    await dropRedisKeys(TEST_REDIS_URL, `${prefix}:*`);
    await postgres.drop(dbUrl);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves through the gateway; a replica reached directly refuses unauthenticated and forged writes', async () => {
    const reg = await rawRequest(system.url, 'POST', '/api/users', { user: { username: 'direct', email: 'direct@example.com', password: 'password123' } });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const token = (reg.body as { user: { token: string } }).user.token;
    const created = await rawRequest(system.url, 'POST', '/api/articles', { article: { title: 'Via gateway', description: 'd', body: 'b' } }, { authorization: `Token ${token}` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((created.body as { article: { author: { username: string } } }).article.author.username, 'direct', 'social read the author from identity over HTTP');

    const upstreams = (await rawRequest(system.url, 'GET', '/gateway/upstreams', undefined, asAdmin())).body as Upstreams;
    assert.equal(upstreams.services['social']!.length, 2);
    for (const u of [...upstreams.services['social']!, ...upstreams.services['identity']!]) {
      assert.equal(new URL(u.url).hostname, '127.0.0.1', `replica ${u.url} listens on loopback only`);
    }
    assert.equal((await rawRequest(system.url, 'GET', '/gateway/upstreams')).status, 401, 'internal URLs need the admin token');
    assert.equal((await rawRequest(system.url, 'GET', '/metrics')).status, 401, "the gateway's metrics need the admin token");
    assert.equal((await rawRequest(system.url, 'GET', '/metrics', undefined, asAdmin())).status, 200);
    const supervisor = (JSON.parse(await readFile(join(dataDir, 'supervisor.json'), 'utf8')) as { adminUrl: string }).adminUrl;
    assert.equal((await fetch(`${supervisor}/restart/social`, { method: 'POST' })).status, 401, 'no restart without the admin token');
    assert.equal((await fetch(`${supervisor}/replicas`)).status, 401);
    assert.equal((await stat(join(dataDir, 'supervisor.json'))).mode & 0o077, 0, 'supervisor.json (it holds the token) is owner-only');
    const replica = upstreams.services['social']![0]!.url;
    const article = { article: { title: 'Direct', description: 'd', body: 'b' } };
    assert.equal((await rawRequest(replica, 'POST', '/api/articles', article)).status, 401, 'no identity');
    const forged = await rawRequest(replica, 'POST', '/api/articles', article, { 'x-user-id': '1', 'x-user-sig': `${Date.now()}.forged` });
    assert.equal(forged.status, 401, 'a hand-written x-user-id is refused');
    assert.equal((await rawRequest(replica, 'GET', '/internal/identity/users?ids=1')).status, 404, 'internal routes are not on social, and need a signature');
    const identity = upstreams.services['identity']![0]!.url;
    assert.equal((await rawRequest(identity, 'GET', '/internal/identity/users?ids=1')).status, 404, 'an unsigned internal call is refused');
  });

  it('`scalestack restart social` with reads and writes running: zero failed requests', async (t) => {
    const reg = await rawRequest(system.url, 'POST', '/api/users', { user: { username: 'loader', email: 'loader@example.com', password: 'password123' } });
    const token = (reg.body as { user: { token: string } }).user.token;
    const auth = { authorization: `Token ${token}` };
    const seed = await rawRequest(system.url, 'POST', '/api/articles', { article: { title: 'Under load', description: 'd', body: 'b' } }, auth);
    const slug = (seed.body as { article: { slug: string } }).article.slug;
    const before = ((await rawRequest(system.url, 'GET', '/gateway/upstreams', undefined, asAdmin())).body as Upstreams).services['social']!.map((u) => u.url);

    let running = true;
    const failures: string[] = [];
    let reads = 0;
    let writes = 0;
    const worker = async (n: number) => {
      for (let i = 0; running; i++) {
        const write = i % 3 === 0;
        try {
          const res = write
            ? await fetch(`${system.url}/api/articles/${slug}/comments`, {
                method: 'POST',
                headers: { ...auth, 'content-type': 'application/json' },
                body: JSON.stringify({ comment: { body: `w${n}-${i}` } }),
              })
            : await fetch(`${system.url}/api/articles${i % 2 ? '' : `/${slug}`}`);
          await res.arrayBuffer();
          if (!res.ok) failures.push(`${write ? 'POST' : 'GET'} ${res.status} ${res.headers.get('x-error-code')}`);
          if (write) writes++;
          else reads++;
        } catch (err) {
          failures.push(`${write ? 'POST' : 'GET'} threw ${(err as Error).message}`);
        }
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, (_, n) => worker(n)));
    await sleep(1000);
    const usage = await spawnCli({ env: { DATA_DIR: dataDir } }, 'restart');
    assert.equal((await usage.exited).code, 2, 'restart without a service name is a usage error');
    const rolling = await spawnScript(cliEntry(), ['restart', 'social'], { env: { DATA_DIR: dataDir } });
    const rolled = await rolling.exited;
    t.diagnostic(rolling.output().trim());
    assert.equal(rolled.code, 0, rolling.output());
    await sleep(1000);
    running = false;
    await load;

    const after = ((await rawRequest(system.url, 'GET', '/gateway/upstreams', undefined, asAdmin())).body as Upstreams).services['social']!;
    t.diagnostic(`${reads} reads and ${writes} writes during the restart; ${failures.length} failed`);
    assert.deepEqual(failures, [], 'no request failed');
    assert.ok(reads > 50 && writes > 20, `load kept running (${reads} reads, ${writes} writes)`);
    const live = after.filter((u) => !u.draining).map((u) => u.url);
    assert.equal(live.length, 2, 'two social replicas again');
    assert.ok(live.every((u) => !before.includes(u)), 'both replicas were replaced');
  });

  it('`scalestack restart identity` too: social follows identity\'s new replicas (pushed over IPC); zero failed requests', async (t) => {
    const reg = await rawRequest(system.url, 'POST', '/api/users', { user: { username: 'reader2', email: 'reader2@example.com', password: 'password123' } });
    const token = (reg.body as { user: { token: string } }).user.token;
    let running = true;
    const failures: string[] = [];
    let count = 0;
    const worker = async (n: number) => {
      for (let i = 0; running; i++) {
        // Reads that need identity: social asks identity for the author of each article, and /api/user is identity's own.
        const path = i % 2 ? '/api/articles' : '/api/user';
        try {
          const res = await fetch(`${system.url}${path}`, { headers: { authorization: `Token ${token}` } });
          await res.arrayBuffer();
          if (!res.ok) failures.push(`${n} GET ${path} ${res.status} ${res.headers.get('x-error-code')}`);
          count++;
        } catch (err) {
          failures.push(`${n} GET ${path} threw ${(err as Error).message}`);
        }
      }
    };
    const load = Promise.all(Array.from({ length: 4 }, (_, n) => worker(n)));
    await sleep(500);
    const rolling = await spawnScript(cliEntry(), ['restart', 'identity'], { env: { DATA_DIR: dataDir } });
    const rolled = await rolling.exited;
    t.diagnostic(rolling.output().trim());
    assert.equal(rolled.code, 0, rolling.output());
    await sleep(1000);
    running = false;
    await load;
    t.diagnostic(`${count} requests during the identity restart; ${failures.length} failed`);
    assert.deepEqual(failures, [], 'no request failed');
    const created = await rawRequest(system.url, 'POST', '/api/articles', { article: { title: 'After identity restart', description: 'd', body: 'b' } }, { authorization: `Token ${token}` });
    assert.equal(created.status, 201, `social reaches the new identity: ${JSON.stringify(created.body)}`);
  });

  it('a social replica killed with SIGKILL: no failed GET, and the supervisor starts a replacement', async (t) => {
    const admin = (JSON.parse(await readFile(join(dataDir, 'supervisor.json'), 'utf8')) as { adminUrl: string }).adminUrl;
    const replicas = async () => ((await (await fetch(`${admin}/replicas`, { headers: asAdmin() })).json()) as { replicas: Array<{ name: string; pid: number; services: string[] }> }).replicas;
    const victim = (await replicas()).find((r) => r.services.includes('social'))!;
    let running = true;
    const failures: string[] = [];
    let count = 0;
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (running) {
          try {
            const res = await fetch(`${system.url}/api/articles`);
            await res.arrayBuffer();
            if (!res.ok) failures.push(`${res.status} ${res.headers.get('x-error-code')}`);
            count++;
          } catch (err) {
            failures.push(`threw ${(err as Error).message}`);
          }
        }
      }),
    );
    await sleep(300);
    process.kill(victim.pid, 'SIGKILL');
    const deadline = Date.now() + 90_000;
    let replaced = false;
    while (!replaced && Date.now() < deadline) {
      await sleep(500);
      const social = (await replicas()).filter((r) => r.services.includes('social'));
      const up = ((await rawRequest(system.url, 'GET', '/gateway/upstreams', undefined, asAdmin())).body as Upstreams).services['social']!;
      replaced = social.length === 2 && !social.some((r) => r.pid === victim.pid) && up.filter((u) => !u.draining).length === 2;
    }
    running = false;
    await load;
    t.diagnostic(`${count} GETs while ${victim.name} was killed and replaced; ${failures.length} failed`);
    assert.ok(replaced, 'a replacement replica serves behind the gateway');
    assert.deepEqual(failures, [], 'no GET failed');
  });
});
