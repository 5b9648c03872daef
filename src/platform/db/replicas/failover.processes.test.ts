/**
 * The failover drill (docs/patterns/failover.md) on a throwaway primary of
 * its own (initdb on a free port; the machine's Postgres is never touched):
 * synchronous replication on (remote_apply), a steady write load through
 * the app and PgBouncer, kill -9 of the primary, promotion of the standby
 * (`scalestack db failover`'s code), PgBouncer repointed; the app process
 * keeps running and every acknowledged write is on the new primary.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { dbTargets } from '../../../testing/db-targets.js';
import { skipUnlessAvailable } from '../../../testing/services-required.js';
import { freePort, sleep, spawnCli, type NodeProcess } from '../../../testing/cli-process.js';
import { pgbouncerUnavailable, startPgBouncer, type OwnPgBouncer } from '../../../testing/pgbouncer.js';
import { createApiClient } from '../../../testing/api-client.js';
import { registerUser } from '../../../testing/fixtures.js';
import { startLocalPrimary, type LocalPrimary } from './local-primary.js';
import { startLocalReplica, stopLocalReplica, type LocalReplica } from './local-replica.js';
import { promoteLocalStandby } from './promote.js';
import { setSynchronousCommit } from './synchronous-commit.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
const options = postgres.options.skip ? postgres.options : skipUnlessAvailable(pgbouncerUnavailable());

describe('failover drill: kill -9 the primary under write load, promote the standby', options, () => {
  let primary: LocalPrimary;
  let standby: LocalReplica;
  let bouncer: OwnPgBouncer;
  let app: NodeProcess;

  before(async () => {
    primary = await startLocalPrimary(await freePort());
    standby = await startLocalReplica({ primaryUrl: primary.url, port: await freePort(), slot: 'drill_standby' });
    await setSynchronousCommit(primary.url, true);
    bouncer = await startPgBouncer({ host: '127.0.0.1', port: primary.port }, 10);
    app = await spawnCli({
      env: {
        DATABASE_URL: bouncer.through(primary.url),
        JWT_SECRET: randomBytes(24).toString('hex'),
        RATE_LIMIT_ENABLED: 'false',
        ARGON2_MEMORY_KIB: '1024',
        ARGON2_TIME_COST: '1',
        LOG_LEVEL: 'fatal',
        LOG_PRETTY: 'false',
      },
    });
    await app.waitReady('/readyz', 240_000);
  });

  after(async () => {
    await app?.stop().catch(() => {});
    await bouncer?.stop();
    await stopLocalReplica({ primaryUrl: primary?.url ?? 'postgres://127.0.0.1:1/x', port: standby?.port ?? 0, slot: 'drill_standby' }).catch(() => {});
    await primary?.remove();
  });

  it('loses no acknowledged write with synchronous commit, and the app writes again without a restart', async () => {
    const api = createApiClient(app.url);
    const user = await registerUser(api);
    const acknowledged: string[] = [];
    let failed = 0;
    const refusedBeforeKill: string[] = [];
    let stop = false;
    let killedAt = 0;
    let recoveredAt = 0;
    let repointedAt = 0;
    const writer = async () => {
      while (!stop) {
        const startedAt = performance.now();
        const res = await api.post<{ article: { slug: string } }>('/api/articles', { article: { title: `drill ${randomBytes(6).toString('hex')}`, description: 'd', body: 'b' } }, { token: user.token }).catch(() => null);
        if (res?.status === 201) {
          acknowledged.push(res.body.article.slug);
          // Recovered: a write begun after the repoint was acknowledged (one in flight at the kill proves nothing).
          if (repointedAt && startedAt > repointedAt && !recoveredAt) recoveredAt = performance.now();
        } else {
          failed++;
          if (!killedAt) refusedBeforeKill.push(`${res?.status} ${JSON.stringify(res?.body).slice(0, 200)}`);
          await sleep(20);
        }
      }
    };
    const writers = Array.from({ length: 4 }, writer);
    // A steady load first: 20 acknowledged writes (bounded wait on a busy machine).
    for (let i = 0; acknowledged.length < 20 && i < 300; i++) await sleep(100);
    const beforeKill = acknowledged.length;
    assert.ok(beforeKill > 0, `writes acknowledged before the kill (refused: ${refusedBeforeKill.slice(0, 3).join('; ')})`);
    // kill -9 of the throwaway primary's postmaster and its backends (ours alone, never the machine's server).
    const pid = primary.pid()!;
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map(Number).filter((n) => n > 0);
    process.kill(pid, 'SIGKILL');
    for (const child of children) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        // gone with its parent
      }
    }
    killedAt = performance.now();
    const promoteMs = await promoteLocalStandby(standby.dataDir);
    await bouncer.repoint({ host: '127.0.0.1', port: standby.port });
    repointedAt = performance.now();
    for (let i = 0; !recoveredAt && i < 600; i++) await sleep(100);
    const afterRecovery = acknowledged.length;
    for (let i = 0; acknowledged.length <= afterRecovery && i < 100; i++) await sleep(100);
    stop = true;
    await Promise.all(writers);
    assert.ok(!app.hasExited(), 'the app process survived the primary\'s death (no restart)');
    assert.ok(recoveredAt > 0, 'writes succeed again after the failover');
    assert.ok(acknowledged.length > afterRecovery, 'and keep succeeding');

    const dbName = new URL(primary.url).pathname.slice(1);
    const promoted = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${standby.port}/${dbName}` });
    await promoted.connect();
    try {
      const { rows } = await promoted.query<{ slug: string }>('select slug from social.articles where slug = any($1)', [acknowledged]);
      const present = new Set(rows.map((r) => r.slug));
      const lost = acknowledged.filter((s) => !present.has(s));
      process.stdout.write(
        `# failover drill (synchronous_commit=remote_apply): ${acknowledged.length} writes acknowledged (${beforeKill} before the kill), ${lost.length} lost, ${failed} refused during the outage; promote ${promoteMs} ms, kill to first acknowledged write ${Math.round(recoveredAt - killedAt)} ms\n`,
      );
      assert.deepEqual(lost, [], 'every acknowledged write is on the promoted standby');
    } finally {
      await promoted.end();
    }
  });
});
