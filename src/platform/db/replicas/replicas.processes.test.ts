/**
 * Read replicas on real streaming replication: a standby of the local server
 * made by `scalestack db replica`'s code, two app processes sharing write
 * positions through Redis (docs/patterns/read-replicas.md).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { dbTargets } from '../../../testing/db-targets.js';
import { redisUnavailable, TEST_REDIS_URL } from '../../../testing/redis-probe.js';
import { dropRedisKeys } from '../../../testing/redis-keys.js';
import { skipUnlessAvailable } from '../../../testing/services-required.js';
import { sleep, spawnCli, type NodeProcess } from '../../../testing/cli-process.js';
import { startReplicatedDatabase, type ReplicatedDatabase } from '../../../testing/replica-kit.js';
import { createApiClient, type ApiClient } from '../../../testing/api-client.js';
import { registerUser, type TestUser } from '../../../testing/fixtures.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
const redisSkip = await redisUnavailable();
const options = postgres.options.skip ? postgres.options : skipUnlessAvailable(redisSkip);
const MAX_LAG_MS = 400;

describe('read replicas (real streaming replica, two processes)', options, () => {
  let db: ReplicatedDatabase;
  const apps: NodeProcess[] = [];
  let a: ApiClient;
  let b: ApiClient;

  const prefix = `replicas-${randomBytes(4).toString('hex')}`;
  before(async () => {
    db = await startReplicatedDatabase(postgres);
    const env = {
      DATABASE_URL: db.primaryUrl,
      DATABASE_REPLICA_URLS: db.replicaUrl,
      DATABASE_REPLICA_MAX_LAG_MS: String(MAX_LAG_MS),
      DATABASE_REPLICA_CHECK_MS: '50',
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      JWT_SECRET: randomBytes(24).toString('hex'),
      // Every read reaches the database (a cache hit would answer without choosing a target).
      CACHE_ENABLED: 'false',
      RATE_LIMIT_ENABLED: 'false',
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_TIME_COST: '1',
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
    };
    // One after the other: the first runs the migrations.
    apps.push(await spawnCli({ env }));
    await apps[0]!.waitReady('/readyz', 60_000);
    apps.push(await spawnCli({ env }));
    await apps[1]!.waitReady('/readyz', 60_000);
    a = createApiClient(apps[0]!.url);
    b = createApiClient(apps[1]!.url);
    await waitFor(async () => (await metric(apps[0]!, 'db_replica_in_rotation')) === 1 && (await metric(apps[1]!, 'db_replica_in_rotation')) === 1, 'replica in rotation');
  });

  after(async () => {
    for (const app of apps) await app.stop().catch(() => {});
    // Its private prefix's keys (bus streams and job queues never expire) would outlive the run on the shared Redis.
    await dropRedisKeys(TEST_REDIS_URL, `${prefix}:*`);
    await db?.close();
  });

  it('sends anonymous reads to the replica and writes to the primary (db_queries_total by target)', async () => {
    const user = await registerUser(a);
    const before = await targets(apps[0]!);
    for (let i = 0; i < 20; i++) assert.equal((await a.get('/api/articles')).status, 200);
    const reads = await targets(apps[0]!);
    assert.ok(reads.replica - before.replica >= 20, `20 article lists read on the replica (${JSON.stringify({ before, reads })})`);
    assert.equal((await a.put('/api/user', { user: { bio: 'written' } }, { token: user.token })).status, 200);
    const writes = await targets(apps[0]!);
    assert.ok(writes.primary > reads.primary, 'the update ran on the primary');
    // Background work (outbox relay, retention) never reads from replicas, so this count moves only with requests.
    assert.equal(writes.replica, reads.replica, 'nothing of the update ran on the replica');
  });

  it('lets a user read their own write immediately, every time, over 1,000 write-then-read cycles across two processes', async () => {
    const users = await Promise.all(Array.from({ length: 20 }, () => registerUser(a)));
    const replicaBefore = (await targets(apps[0]!)).replica + (await targets(apps[1]!)).replica;
    const stale: string[] = [];
    await Promise.all(
      users.map(async (user, u) => {
        for (let i = 0; i < 50; i++) {
          const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
          const bio = `u${u}-cycle-${i}`;
          const put = await writer.put('/api/user', { user: { bio } }, { token: user.token });
          assert.equal(put.status, 200);
          const got = await reader.get<{ user: { bio: string } }>('/api/user', { token: user.token });
          assert.equal(got.status, 200);
          if (got.body.user.bio !== bio) stale.push(`${bio} read as ${got.body.user.bio}`);
        }
      }),
    );
    assert.deepEqual(stale.slice(0, 5), [], `${stale.length} stale reads of 1,000`);
    const replicaAfter = (await targets(apps[0]!)).replica + (await targets(apps[1]!)).replica;
    // Not vacuous: the replica served reads during the cycles (the writer's own reads, once it had replayed).
    assert.ok(replicaAfter - replicaBefore > 0, 'some of the 1,000 reads were served by the replica');
  });

  it('falls back to the primary, and stays correct, while replay is paused; takes the replica back after resume', async () => {
    const user = await registerUser(a);
    const standby = new pg.Client({ connectionString: db.replicaUrl });
    await standby.connect();
    try {
      await standby.query('select pg_wal_replay_pause()');
      const fallbacks = () => metric(apps[0]!, 'db_replica_fallbacks_total', 'reason="behind"').then(async (n) => n + (await metric(apps[0]!, 'db_replica_fallbacks_total', 'reason="unhealthy"')));
      const fallbacksBefore = await fallbacks();
      for (let i = 0; i < 10; i++) {
        const bio = `paused-${i}`;
        assert.equal((await a.put('/api/user', { user: { bio } }, { token: user.token })).status, 200);
        assert.equal((await a.get<{ user: { bio: string } }>('/api/user', { token: user.token })).body.user.bio, bio);
      }
      // Behind the user's write at first, then out of rotation once the lag passes the limit: either way, the primary.
      const fallbacksAfter = await fallbacks();
      assert.ok(fallbacksAfter >= fallbacksBefore + 10, `each read after a write fell back (${fallbacksBefore} -> ${fallbacksAfter})`);
      // Past DATABASE_REPLICA_MAX_LAG_MS the replica leaves rotation for everyone; anonymous reads go to the primary too.
      await waitFor(async () => (await metric(apps[0]!, 'db_replica_in_rotation')) === 0, 'replica out of rotation');
      assert.ok((await metric(apps[0]!, 'db_replica_lag_seconds')) * 1000 > MAX_LAG_MS);
      const unhealthy = await metric(apps[0]!, 'db_replica_fallbacks_total', 'reason="unhealthy"');
      assert.equal((await a.get('/api/articles')).status, 200);
      assert.ok((await metric(apps[0]!, 'db_replica_fallbacks_total', 'reason="unhealthy"')) > unhealthy);
    } finally {
      await standby.query('select pg_wal_replay_resume()');
      await standby.end();
    }
    await waitFor(async () => (await metric(apps[0]!, 'db_replica_in_rotation')) === 1, 'replica back in rotation');
    const before = (await targets(apps[0]!)).replica;
    assert.equal((await a.get('/api/articles')).status, 200);
    assert.ok((await targets(apps[0]!)).replica > before, 'reads go to the replica again');
  });

  it('answers every request while the replica is killed mid-load (0 failed requests)', async () => {
    const user: TestUser = await registerUser(a);
    let failed = 0;
    let done = 0;
    let stop = false;
    const worker = async (api: ApiClient, i: number) => {
      while (!stop) {
        const res = i % 3 === 0 ? await api.put('/api/user', { user: { bio: `load-${done}` } }, { token: user.token }) : await api.get(i % 2 ? '/api/articles' : '/api/user', { token: user.token });
        if (res.status !== 200) failed++;
        done++;
      }
    };
    const workers = Array.from({ length: 12 }, (_, i) => worker(i % 2 ? a : b, i));
    await sleep(700);
    const servedByReplica = (await targets(apps[0]!)).replica;
    assert.ok(servedByReplica > 0);
    killStandby(db);
    await sleep(1500);
    stop = true;
    await Promise.all(workers);
    assert.equal(failed, 0, `${failed} of ${done} requests failed`);
    assert.ok(done > 50, `${done} requests made`);
    assert.equal(await metric(apps[0]!, 'db_replica_in_rotation'), 0, 'the dead replica is out of rotation');
  });
});

/** SIGKILL to the standby's postmaster and its backends (the crash of a machine, not a shutdown). */
function killStandby(db: ReplicatedDatabase): void {
  const pid = db.replica.pid();
  assert.ok(pid, 'standby pid');
  const children = execChildren(pid);
  process.kill(pid, 'SIGKILL');
  for (const child of children) {
    try {
      process.kill(child, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

import { execFileSync } from 'node:child_process';
function execChildren(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map(Number).filter((n) => n > 0);
  } catch {
    return [];
  }
}

async function metricsText(app: NodeProcess): Promise<string> {
  return (await fetch(`${app.url}/metrics`)).text();
}

/** Sum of a metric's samples (optionally those whose labels contain `labels`). */
async function metric(app: NodeProcess, name: string, labels = ''): Promise<number> {
  let sum = 0;
  for (const line of (await metricsText(app)).split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels && !line.includes(labels)) continue;
    sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

async function targets(app: NodeProcess): Promise<{ primary: number; replica: number }> {
  return { primary: await metric(app, 'db_queries_total', 'target="primary"'), replica: await metric(app, 'db_queries_total', 'target="replica"') };
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for: ${what}`);
}
