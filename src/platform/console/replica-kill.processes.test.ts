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
import { CLI_ENTRY, rawRequest, sleep, spawnScript, type NodeProcess } from '../../testing/cli-process.js';
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
    system = await spawnScript(CLI_ENTRY, ['start', '--topology', 'services', '--replicas', 'social=2'], {
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
    assert.deepEqual(before.replicas.filter((r) => r.services.includes('social')).map((r) => r.name).sort(), ['social-1', 'social-2']);
    const victim = before.replicas.find((r) => r.name === 'social-1')!;
    for (const authorization of [undefined, 'Bearer not-the-admin-token-at-all', `Token ${userToken}`, `Bearer ${userToken}`]) {
      const response = await kill('social-1', authorization);
      assert.equal(response.status, 401, `console kill with ${authorization ?? 'nothing'}`);
      const listed = await fetch(`${consoleUrl}/console/api/replicas`, { headers: authorization ? { authorization } : {} });
      assert.equal(listed.status, 401, `console list with ${authorization ?? 'nothing'}`);
      const direct = await fetch(`${adminUrl}/replicas/social-1/kill`, { method: 'POST', headers: authorization ? { authorization } : {} });
      assert.equal(direct.status, 401, `supervisor kill with ${authorization ?? 'nothing'}`);
    }
    for (const name of ['social-99', 'nobody-1']) assert.equal((await kill(name, `Bearer ${adminToken}`)).status, 404, name);
    assert.equal((await kill('..%2Frestart', `Bearer ${adminToken}`)).status, 422);
    await sleep(500);
    assert.ok(alive(victim.pid), 'social-1 still runs');
    assert.deepEqual((await replicas()).replicas.map((r) => [r.name, r.pid]), before.replicas.map((r) => [r.name, r.pid]), 'nothing was killed or replaced');
  });

  it('kill social-1 from the console while clients read through the gateway: it dies, a replacement serves, requests keep succeeding', async (t) => {
    const seed = await rawRequest(system.url, 'POST', '/api/articles', { article: { title: 'Under fire', description: 'd', body: 'b' } }, { authorization: `Token ${userToken}` });
    assert.equal(seed.status, 201, JSON.stringify(seed.body));
    const slug = (seed.body as { article: { slug: string } }).article.slug;
    const victim = (await replicas()).replicas.find((r) => r.name === 'social-1')!;
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
    const response = await kill('social-1', `Bearer ${adminToken}`);
    assert.equal(response.status, 200);
    const { killed } = (await response.json()) as { killed: ProcessReplica };
    assert.deepEqual([killed.name, killed.pid], ['social-1', victim.pid]);

    const deadline = Date.now() + 120_000;
    let replaced = false;
    let social: ProcessReplica[] = [];
    while (!replaced && Date.now() < deadline) {
      await sleep(500);
      social = (await replicas()).replicas.filter((r) => r.services.includes('social'));
      const up = ((await rawRequest(system.url, 'GET', '/gateway/upstreams', undefined, asAdmin())).body as Upstreams).services['social']!;
      replaced = social.length === 2 && !social.some((r) => r.name === 'social-1') && up.filter((u) => !u.draining).length === 2;
    }
    await sleep(1_000);
    running = false;
    await load;
    t.diagnostic(`${count} GETs through the gateway while social-1 (pid ${victim.pid}) was killed and replaced by ${social.map((r) => `${r.name} (pid ${r.pid})`).join(', ')}; ${failures.length} failed: ${failures.slice(0, 5).join('; ')}`);
    assert.equal(alive(victim.pid), false, 'the killed process is gone');
    assert.ok(replaced, 'a replacement replica serves behind the gateway');
    assert.ok(!social.some((r) => r.pid === victim.pid), 'the replacement is a new process');
    assert.ok(count > 50, `load kept running (${count} GETs)`);
    assert.deepEqual(failures, [], 'no GET failed');
  });
});
