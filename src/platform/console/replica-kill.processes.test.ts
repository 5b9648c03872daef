// @isolated: starts the real CLI topology (the gateway, a supervisor and one process per service, social twice) under load.
/**
 * The console's replica panel on `scalestack start --topology services --replicas social=2`: the
 * console (served by the identity replica) lists the supervisor's replicas and kills one social
 * replica through the supervisor while clients read through the gateway. Only the admin token
 * kills; an unknown replica is 404; the supervisor replaces the killed one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEntry, rawRequest, sleep, spawnScript, type NodeProcess } from '../../testing/cli-process.js';
import { dbTargets } from '../../testing/db-targets.js';
import { ownRedisOptions, startOwnRedis, type OwnRedis } from '../../testing/redis-server.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;

interface ProcessReplica { name: string; url: string | null; services: string[]; pid: number }
interface Upstreams { services: Record<string, Array<{ url: string; draining: boolean }>> }

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('console: kill a replica of the services topology', { ...postgres.options, ...(postgres.options.skip ? {} : ownRedisOptions()), timeout: 600_000 }, () => {
  let redis: OwnRedis;
  let system: NodeProcess;
  let dbUrl: string | undefined;
  let dataDir: string;
  let adminToken: string;
  let adminUrl: string;
  let consoleUrl: string;
  let userToken: string;
  const asAdmin = () => ({ authorization: `Bearer ${adminToken}` });
  const replicas = async () =>
    ((await (await fetch(`${consoleUrl}/console/api/replicas`, { headers: asAdmin() })).json()) as { enabled: boolean; replicas: ProcessReplica[] });
  const kill = (name: string, authorization?: string) =>
    fetch(`${consoleUrl}/console/api/replicas/${name}/kill`, { method: 'POST', headers: authorization ? { authorization } : {} });

  before(async () => {
    dbUrl = await postgres.create();
    dataDir = await mkdtemp(join(tmpdir(), 'scalestack-console-kill-'));
    // A private Redis (cache and bus): the shared one is busy with other suites on a loaded machine.
    redis = await startOwnRedis();
    system = await spawnScript(cliEntry(), ['start', '--topology', 'services', '--replicas', 'social=2'], {
      env: {
        DATABASE_URL: dbUrl,
        DATA_DIR: dataDir,
        REDIS_URL: redis.url,
        BUS_URL: redis.url,
        LOG_LEVEL: 'warn',
        LOG_PRETTY: 'false',
        ARGON2_MEMORY_KIB: '1024',
        ARGON2_TIME_COST: '1',
      },
    });
    await system.waitReady('/readyz', 300_000);
    ({ adminToken, adminUrl } = JSON.parse(await readFile(join(dataDir, 'supervisor.json'), 'utf8')) as { adminToken: string; adminUrl: string });
    const list = ((await (await fetch(`${adminUrl}/replicas`, { headers: asAdmin() })).json()) as { replicas: ProcessReplica[] }).replicas;
    consoleUrl = list.find((r) => r.services.includes('identity'))!.url!;
    const reg = await rawRequest(system.url, 'POST', '/api/users', { user: { username: 'customer', email: 'customer@example.com', password: 'password123' } });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    userToken = (reg.body as { user: { token: string } }).user.token;
  });
  after(async () => {
    await system?.stop('SIGTERM', 30_000);
    await redis?.stop();
    await postgres.drop(dbUrl);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("the console lists the supervisor's replicas; no token, a wrong one or a customer's JWT is 401 and kills nothing; an unknown replica is 404", async () => {
    const before = await replicas();
    assert.equal(before.enabled, true);
    // Named <label>-<n>, n counting every replica the supervisor started (social-2 and social-3 after identity-1, say).
    const social = before.replicas.filter((r) => r.services.includes('social'));
    assert.equal(social.length, 2);
    assert.ok(social.every((r) => /^social-\d+$/.test(r.name) && r.pid > 0 && r.url), JSON.stringify(social));
    const victim = social[0]!;
    for (const authorization of [undefined, 'Bearer not-the-admin-token-at-all', `Token ${userToken}`, `Bearer ${userToken}`]) {
      const response = await kill(victim.name, authorization);
      assert.equal(response.status, 401, `console kill with ${authorization ?? 'nothing'}`);
      const listed = await fetch(`${consoleUrl}/console/api/replicas`, { headers: authorization ? { authorization } : {} });
      assert.equal(listed.status, 401, `console list with ${authorization ?? 'nothing'}`);
      const direct = await fetch(`${adminUrl}/replicas/${victim.name}/kill`, { method: 'POST', headers: authorization ? { authorization } : {} });
      assert.equal(direct.status, 401, `supervisor kill with ${authorization ?? 'nothing'}`);
    }
    for (const name of ['social-999', 'nobody-1']) assert.equal((await kill(name, `Bearer ${adminToken}`)).status, 404, name);
    assert.equal((await kill('..%2Frestart', `Bearer ${adminToken}`)).status, 422);
    await sleep(500);
    assert.ok(alive(victim.pid), `${victim.name} still runs`);
    assert.deepEqual((await replicas()).replicas.map((r) => [r.name, r.pid]), before.replicas.map((r) => [r.name, r.pid]), 'nothing was killed or replaced');
  });

  it('kill a social replica from the console while clients read through the gateway: it dies, a replacement serves, requests keep succeeding', async (t) => {
    const seed = await rawRequest(system.url, 'POST', '/api/articles', { article: { title: 'Under fire', description: 'd', body: 'b' } }, { authorization: `Token ${userToken}` });
    assert.equal(seed.status, 201, JSON.stringify(seed.body));
    const slug = (seed.body as { article: { slug: string } }).article.slug;
    const victim = (await replicas()).replicas.find((r) => r.services.includes('social'))!;
    let running = true;
    const failures: string[] = [];
    let count = 0;
    const load = Promise.all(
      Array.from({ length: 4 }, async (_, n) => {
        for (let i = 0; running; i++) {
          const path = i % 2 ? '/api/articles' : `/api/articles/${slug}`;
          try {
            const res = await fetch(`${system.url}${path}`);
            await res.arrayBuffer();
            if (!res.ok) failures.push(`${n} GET ${path} ${res.status} ${res.headers.get('x-error-code')}`);
            count++;
          } catch (err) {
            failures.push(`${n} GET ${path} threw ${(err as Error).message}`);
          }
        }
      }),
    );
    await sleep(500);
    const response = await kill(victim.name, `Bearer ${adminToken}`);
    assert.equal(response.status, 200);
    const { killed } = (await response.json()) as { killed: ProcessReplica };
    assert.deepEqual([killed.name, killed.pid], [victim.name, victim.pid]);

    const deadline = Date.now() + 120_000;
    let replaced = false;
    let social: ProcessReplica[] = [];
    while (!replaced && Date.now() < deadline) {
      await sleep(500);
      social = (await replicas()).replicas.filter((r) => r.services.includes('social'));
      const up = ((await rawRequest(system.url, 'GET', '/gateway/upstreams', undefined, asAdmin())).body as Upstreams).services['social']!;
      replaced = social.length === 2 && !social.some((r) => r.name === victim.name) && up.filter((u) => !u.draining).length === 2;
    }
    await sleep(1_000);
    running = false;
    await load;
    t.diagnostic(`${count} GETs through the gateway while ${victim.name} (pid ${victim.pid}) was killed and replaced by ${social.map((r) => `${r.name} (pid ${r.pid})`).join(', ')}; ${failures.length} failed: ${failures.slice(0, 5).join('; ')}`);
    assert.equal(alive(victim.pid), false, 'the killed process is gone');
    assert.ok(replaced, 'a replacement replica serves behind the gateway');
    assert.ok(!social.some((r) => r.pid === victim.pid), 'the replacement is a new process');
    assert.ok(count > 50, `load kept running (${count} GETs)`);
    assert.deepEqual(failures, [], 'no GET failed');
  });
});
