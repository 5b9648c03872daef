/**
 * The failover drill (docs/patterns/failover.md) on throwaway servers of its
 * own (initdb on a free port; the machine's Postgres is never touched), once
 * per commit mode, one after the other as in production: the promoted
 * standby is the next drill's primary and gets a new standby. Each drill: a
 * steady write load through the app and PgBouncer, kill -9 of the primary,
 * promotion of the standby (`scalestack db failover`'s code), PgBouncer
 * repointed; the app process keeps running. Synchronous commit loses no
 * acknowledged write; asynchronous replication's loss is counted and
 * bounded by the WAL the standby had not received at the kill.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { dbTargets } from '../../../testing/db-targets.js';
import { skipUnlessAvailable } from '../../../testing/services-required.js';
import { freePort, sleep, spawnCli, type NodeProcess } from '../../../testing/cli-process.js';
import { pgbouncerUnavailable, startPgBouncer, type OwnPgBouncer } from '../../../testing/pgbouncer.js';
import { createApiClient } from '../../../testing/api-client.js';
import { registerUser } from '../../../testing/fixtures.js';
import { killPostgres, sampleReplication, standbyPositionAfterCrash, walOnDiskAfter, type LagSample } from '../../../testing/failover-drill.js';
import { removeLocalServer, startLocalPrimary } from './local-primary.js';
import { startLocalReplica, type LocalReplica } from './local-replica.js';
import { promoteLocalStandby } from './promote.js';
import { setSynchronousCommit, type SynchronousCommit } from './synchronous-commit.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
const options = postgres.options.skip ? postgres.options : skipUnlessAvailable(pgbouncerUnavailable());

/** A server of the drill: the first primary, or a standby (promoted or not). */
interface Server {
  url: string;
  port: number;
  dataDir: string;
  pid(): number | null;
}

interface DrillResult {
  /** Begun before the kill: the only writes that can have committed on the dead primary. */
  begunBeforeKill: Set<string>;
  lost: string[];
  /** WAL on the dead primary's disk the standby never received, and the commits in it. */
  gap: { bytes: number; commits: number };
}

describe('failover drill: kill -9 the primary under write load, promote the standby', options, () => {
  let primary: Server;
  let standby: LocalReplica | null = null;
  const servers: string[] = [];
  let bouncer: OwnPgBouncer;
  let app: NodeProcess;
  let drills = 0;

  before(async () => {
    primary = await startLocalPrimary(await freePort());
    servers.push(primary.dataDir);
    bouncer = await startPgBouncer({ host: '127.0.0.1', port: primary.port }, 10);
    app = await spawnCli({
      env: {
        DATABASE_URL: bouncer.through(primary.url),
        DATABASE_PREPARED_STATEMENTS: 'false',
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
    for (const dir of servers) await removeLocalServer(dir);
  });

  /**
   * One drill on the current primary; its standby is promoted and becomes the primary of the next.
   * `stallSender`: the primary's WAL sender is stopped (SIGSTOP) once the load is steady and stays
   * stopped until 5 more writes were acknowledged: a standby behind by a stalled link or a slow disk.
   */
  async function drill(mode: SynchronousCommit, { stallSender = false } = {}): Promise<DrillResult> {
    drills++;
    if (!standby) {
      standby = await startLocalReplica({ primaryUrl: primary.url, port: await freePort(), slot: `drill_standby_${drills}` });
      servers.push(standby.dataDir);
      await waitStreaming(primary.url);
    }
    await setSynchronousCommit(primary.url, mode);
    const api = createApiClient(app.url);
    const user = await registerUser(api);
    /** Slug, when its request began and when its 201 arrived. */
    const acknowledged: Array<{ slug: string; begun: number; at: number }> = [];
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
          acknowledged.push({ slug: res.body.article.slug, begun: startedAt, at: performance.now() });
          // Recovered: a write begun after the repoint was acknowledged (one in flight at the kill proves nothing).
          if (repointedAt && startedAt > repointedAt && !recoveredAt) recoveredAt = performance.now();
        } else {
          failed++;
          if (!killedAt) refusedBeforeKill.push(`${res?.status} ${JSON.stringify(res?.body).slice(0, 200)}`);
          await sleep(20);
        }
      }
    };
    const sampler = sampleReplication(primary.url);
    const writers = Array.from({ length: 4 }, writer);
    let stalledAt = 0;
    let samples: LagSample[] = [];
    let beforeKill = 0;
    let stalled = '';
    let atCrash = { received: 0n };
    let promoteMs = 0;
    let afterRecovery = 0;
    try {
      // A steady load first: 20 acknowledged writes (bounded wait on a busy machine).
      for (let i = 0; acknowledged.length < 20 && i < 300; i++) await sleep(100);
      assert.ok(acknowledged.length > 0, `writes acknowledged before the kill (refused: ${refusedBeforeKill.slice(0, 3).join('; ')})`);
      if (stallSender) {
        process.kill(await walSenderPid(primary.url), 'SIGSTOP');
        stalledAt = performance.now();
        const stalledWith = acknowledged.length;
        for (let i = 0; acknowledged.length < stalledWith + 5 && i < 300; i++) await sleep(20);
      }
      samples = await sampler.stop();
      // kill -9 of the throwaway primary's postmaster and its backends (ours alone, never the machine's server).
      killPostgres(primary.pid()!);
      killedAt = performance.now();
      beforeKill = acknowledged.length;
      stalled = stallSender ? `, WAL sender stopped ${Math.round(killedAt - stalledAt)} ms before the kill` : '';
      atCrash = await standbyPositionAfterCrash(standby.url);
      promoteMs = await promoteLocalStandby(standby.dataDir);
      await bouncer.repoint({ host: '127.0.0.1', port: standby.port });
      repointedAt = performance.now();
      for (let i = 0; !recoveredAt && i < 600; i++) await sleep(100);
      afterRecovery = acknowledged.length;
      for (let i = 0; acknowledged.length <= afterRecovery && i < 100; i++) await sleep(100);
    } finally {
      // Also when an assertion failed: the writers and the sampler must not outlive the drill.
      stop = true;
      await Promise.all(writers);
      await sampler.stop().catch(() => []);
    }
    assert.ok(!app.hasExited(), 'the app process survived the primary\'s death (no restart)');
    assert.ok(recoveredAt > 0, 'writes succeed again after the failover');
    assert.ok(acknowledged.length > afterRecovery, 'and keep succeeding');

    const dead = primary;
    primary = standby;
    standby = null;
    const lost = await missing(primary.url, acknowledged.map((a) => a.slug));
    const gap = await walOnDiskAfter(dead.dataDir, atCrash.received);
    // The loss window in time: when the lost writes began and were acknowledged, relative to the kill
    // (a 201 can arrive after the kill: the commit returned before it, the answer took longer).
    const lostWrites = acknowledged.filter((a) => lost.includes(a.slug));
    const rel = (t: number) => Math.round(t - killedAt);
    const window = lostWrites.length
      ? ` (begun ${Math.min(...lostWrites.map((a) => rel(a.begun)))} to ${Math.max(...lostWrites.map((a) => rel(a.begun)))} ms from the kill, acknowledged ${Math.min(...lostWrites.map((a) => rel(a.at)))} to ${Math.max(...lostWrites.map((a) => rel(a.at)))} ms)`
      : '';
    const begunBeforeKill = new Set(acknowledged.filter((a) => a.begun < killedAt).map((a) => a.slug));
    process.stdout.write(
      `# failover drill (synchronous_commit=${mode}${stalled}): ${acknowledged.length} writes acknowledged (${beforeKill} before the kill), ${lost.length} lost${window}, ${failed} refused during the outage; ` +
        `standby at the kill: ${describeLag(samples)}; WAL on the dead primary's disk the standby never received: ${gap.bytes} bytes, ${gap.commits} commits; ` +
        `promote ${promoteMs} ms, kill to first acknowledged write ${Math.round(recoveredAt - killedAt)} ms\n`,
    );
    return { begunBeforeKill, lost, gap };
  }

  it('loses no acknowledged write with synchronous commit (remote_apply), and the app writes again without a restart', async () => {
    const { lost } = await drill('remote_apply');
    assert.deepEqual(lost, [], 'every acknowledged write is on the promoted standby');
  });

  it('with asynchronous replication (synchronous_commit=local) loses only commits the standby had not received, counted', async () => {
    const { lost, gap } = await drill('local');
    // Each lost acknowledged write committed on the primary's disk in the WAL the standby never got.
    assert.ok(lost.length <= gap.commits, `${lost.length} lost, but only ${gap.commits} commits after the standby's position`);
  });

  it('with asynchronous replication and a standby behind (WAL sender stopped), loses the writes it had not received, all in the WAL counted', async () => {
    const { lost, gap } = await drill('local', { stallSender: true });
    assert.ok(lost.length > 0, 'acknowledged writes the standby never received are lost');
    assert.ok(lost.length <= gap.commits, `${lost.length} lost, but only ${gap.commits} commits after the standby's position`);
  });

  it('with synchronous_commit=off the loss is counted too, and no write begun after the kill is lost', async () => {
    // Commits not yet flushed on the primary (wal_writer_delay) die with it: no bound from the standby's position.
    const { begunBeforeKill, lost } = await drill('off');
    assert.deepEqual(lost.filter((slug) => !begunBeforeKill.has(slug)), [], 'writes acknowledged by the promoted primary are kept');
  });
});

/** The acknowledged slugs the promoted server does not have. */
async function missing(url: string, slugs: string[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ slug: string }>('select slug from social.articles where slug = any($1)', [slugs]);
    const present = new Set(rows.map((r) => r.slug));
    return slugs.filter((s) => !present.has(s));
  } finally {
    await client.end();
  }
}

/** The primary's WAL sender process (one standby). */
async function walSenderPid(primaryUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: primaryUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_replication');
    assert.equal(rows.length, 1, 'one WAL sender');
    return rows[0]!.pid;
  } finally {
    await client.end();
  }
}

/** Waits until the primary streams to its standby: remote_apply commits would wait for it otherwise. */
async function waitStreaming(primaryUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: primaryUrl });
  await client.connect();
  try {
    for (let i = 0; i < 300; i++) {
      const { rows } = await client.query<{ n: number }>("select count(*)::int as n from pg_stat_replication where state = 'streaming'");
      if (rows[0]!.n > 0) return;
      await sleep(100);
    }
    throw new Error('the standby did not start streaming within 30 s');
  } finally {
    await client.end();
  }
}

/** The last sample before the kill and the worst during the load. */
function describeLag(samples: LagSample[]): string {
  const last = samples.at(-1);
  if (!last) return 'not sampled';
  const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)} ms`);
  const max = (pick: (s: LagSample) => number | null) => Math.max(0, ...samples.map((s) => pick(s) ?? 0));
  return (
    `${last.behindBytes} bytes behind, write lag ${ms(last.writeLagMs)}, replay lag ${ms(last.replayLagMs)} ` +
    `(worst of ${samples.length} samples: ${max((s) => s.behindBytes)} bytes, write ${ms(max((s) => s.writeLagMs))}, replay ${ms(max((s) => s.replayLagMs))})`
  );
}
