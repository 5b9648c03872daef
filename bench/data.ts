/**
 * The data layer side by side in one run (issue 14, docs/patterns/read-replicas.md,
 * connection-pooling.md, sharding.md):
 *
 * 1. replicas: point reads by primary key through openDatabase with 0 and
 *    with 1 replica, closed loop with BENCH_DATA_CALLERS callers. The
 *    primary is a throwaway server of the bench's own (initdb on a free
 *    port, as the failover drill's) and the replica a real streaming standby
 *    of it (`scalestack db replica`'s code); both deleted after. The
 *    machine's shared Postgres is not used: it need not allow replication,
 *    and other users' load would be in the figures;
 * 2. pooling: 50, 200 and 1,000 client connections, each one `pg.Client`
 *    issuing the same point read in a loop, straight to Postgres and through
 *    an own PgBouncer (transaction mode, 20 server connections, on a free
 *    port). The server is the standby (max_connections 100, the primary's:
 *    a hot standby must match it), so 1,000 direct connections are refused
 *    past 100 as a real server would refuse them;
 * 3. shards: bench/shards.ts's rows (single-shard vs scatter-gather).
 *
 * Every request started is counted: ok, errors, late (answered after the
 * row's end) or unfinished (still pending 5 s after it); a connection the
 * server refused is counted under connect errors.
 *
 * Settings (env): BENCH_DURATION (s per row, 5), BENCH_DATA_CALLERS (32),
 * BENCH_DATA_ROWS (10000), BENCH_DATA_CLIENTS (50,200,1000),
 * BENCH_DATA_PARTS (replicas,pooling,shards), TEST_DATABASE_URL (the shards part).
 */
import pg from 'pg';
import { openDatabase } from '../src/platform/db/open-database.js';
import type { Database } from '../src/platform/db/database.js';
import { withStatementScope } from '../src/platform/db/statement-scope.js';
import { postgresBinDir } from '../src/platform/db/replicas/local-replica.js';
import { startPrivateReplicatedServer, type ReplicatedDatabase } from '../src/testing/replica-kit.js';
import { pgbouncerUnavailable, startPgBouncer } from '../src/testing/pgbouncer.js';
import { sleep } from '../src/testing/cli-process.js';
import type { Benchmark } from './lib/benchmark.js';
import { closedLoop, type LoopResult } from './lib/closed-loop.js';
import { forEachBounded } from './lib/pool.js';
import { machine, type Report } from './lib/report.js';
import { shardSection } from './shards.js';

const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const DURATION_MS = num('BENCH_DURATION', 5) * 1000;
const CALLERS = num('BENCH_DATA_CALLERS', 32);
const ROWS = num('BENCH_DATA_ROWS', 10_000);
const CLIENTS = (process.env['BENCH_DATA_CLIENTS'] ?? '50,200,1000').split(',').map(Number);
const PARTS = (process.env['BENCH_DATA_PARTS'] ?? 'replicas,pooling,shards').split(',');
const PGBOUNCER_POOL = 20;

interface Tables {
  bench_data: { id: number; body: string };
}

const rssMiB = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const counts = (r: LoopResult) => [r.requests, r.ok, r.errors, r.late, r.unfinished];
const COUNT_HEADERS = ['requests', 'ok', 'errors', 'late', 'unfinished'];

async function seed(db: ReplicatedDatabase): Promise<void> {
  const client = new pg.Client({ connectionString: db.primaryUrl });
  await client.connect();
  try {
    await client.query('create table bench_data (id int primary key, body text not null)');
    await client.query(`insert into bench_data select i, repeat(md5(i::text), 4) from generate_series(1, $1::int) i`, [ROWS]);
    await client.query('analyze bench_data');
  } finally {
    await client.end();
  }
  // The standby must have every row before a read is measured on it.
  const replica = new pg.Client({ connectionString: db.replicaUrl });
  await replica.connect();
  try {
    for (let i = 0; ; i++) {
      const r = await replica.query<{ n: string }>(`select count(*) as n from pg_class where relname = 'bench_data'`);
      if (r.rows[0]?.n === '1' && (await replica.query<{ n: string }>('select count(*) as n from bench_data')).rows[0]?.n === String(ROWS)) break;
      if (i > 300) throw new Error('the standby did not catch up with the seed in 30 s');
      await sleep(100);
    }
  } finally {
    await replica.end();
  }
}

// In the scope an anonymous API GET gets (http/plugins/read-routing.ts): replica reads allowed, no write position to wait for.
const pointRead = (db: Database, i: number) =>
  withStatementScope({ count: 0, replicaReads: true }, () =>
    db
      .as<Tables>()
      .selectFrom('bench_data')
      .selectAll()
      .where('id', '=', 1 + ((i * 7919) % ROWS))
      .executeTakeFirstOrThrow(),
  );

async function replicaRows(report: Report, rdb: ReplicatedDatabase): Promise<boolean> {
  const rows: Array<Array<string | number>> = [];
  let valid = true;
  for (const replicas of [0, 1]) {
    const db = await openDatabase({
      url: rdb.primaryUrl,
      dataDir: 'memory://',
      poolMax: CALLERS,
      ...(replicas > 0 ? { replicas: { urls: [rdb.replicaUrl], maxLagMs: 5_000, checkEveryMs: 1_000, redisPrefix: 'databench' } } : {}),
    });
    try {
      await pointRead(db, 0); // connect outside the measurement
      if (db.replicas) {
        // The monitor starts with the replica out of rotation; its first check brings it in.
        await db.replicas.checkNow();
        const state = db.replicas.replicas();
        if (!state.every((r) => r.healthy)) throw new Error(`replica not in rotation: ${JSON.stringify(state)}`);
      }
      const before = db.queryCounts();
      const r = await closedLoop(CALLERS, DURATION_MS, (i) => pointRead(db, i));
      const after = db.queryCounts();
      rows.push([`${replicas}`, CALLERS, ...counts(r), r.perSecond.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), after.primary - before.primary, after.replica - before.replica, rssMiB()]);
      valid &&= r.errors === 0 && r.unfinished === 0 && r.ok > 0 && (replicas === 0 || after.replica > before.replica);
    } finally {
      await db.close();
    }
  }
  report.text('### read throughput: 0 vs 1 replica (point read by primary key, openDatabase routing)');
  report.table(['replicas', 'callers', ...COUNT_HEADERS, 'reads/s', 'p50 ms', 'p99 ms', 'on primary', 'on replica', 'RSS MiB'], rows);
  return valid;
}

/** `clients` connections to `url`, each issuing point reads back to back. */
async function clientRow(url: string, clients: number): Promise<{ connected: number; connectErrors: number; firstError: string | null; result: LoopResult }> {
  // Connections open 50 at a time, as pools ramp up; a burst of 1,000 at once measures the listen backlog instead.
  const attempts: Array<PromiseSettledResult<pg.Client>> = [];
  await forEachBounded(clients, 50, async (i) => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000 });
    c.on('error', () => {}); // a server-side close surfaces as a failed query, counted there
    try {
      await c.connect();
      attempts[i] = { status: 'fulfilled', value: c };
    } catch (reason) {
      await c.end().catch(() => {});
      attempts[i] = { status: 'rejected', reason };
    }
  });
  const refused = attempts.find((a) => a.status === 'rejected');
  const firstError = refused ? String((refused.reason as Error).message) : null;
  const connected = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  try {
    // One caller per connected client, each on its own connection.
    const result = await closedLoop(connected.length, DURATION_MS, async (i, caller) => {
      try {
        await connected[caller]!.query('select body from bench_data where id = $1', [1 + ((i * 7919) % ROWS)]);
      } catch (err) {
        await sleep(100); // a dead connection fails at once: counted, without spinning
        throw err;
      }
    });
    return { connected: connected.length, connectErrors: clients - connected.length, firstError, result };
  } finally {
    await Promise.all(connected.map((c) => c.end().catch(() => {})));
  }
}

/** KILL (drop every connection to `database`) then RESUME on PgBouncer's admin console. */
async function closeServerConnections(adminUrl: string, database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`KILL ${database}`);
    await admin.query(`RESUME ${database}`);
  } finally {
    await admin.end();
  }
}

async function poolingRows(report: Report, rdb: ReplicatedDatabase): Promise<boolean> {
  const unavailable = pgbouncerUnavailable();
  if (unavailable) {
    report.text(`pooling rows skipped: ${unavailable}`);
    return false;
  }
  const server = new URL(rdb.replicaUrl);
  const bouncer = await startPgBouncer({ host: '127.0.0.1', port: Number(server.port) }, PGBOUNCER_POOL);
  // Below its expected use PgBouncer stops accepting near the limit and clients time out connecting.
  report.facts({ 'PgBouncer fd limit': bouncer.fds ? `${bouncer.fds.limit} (expected use ${bouncer.fds.expected})` : 'not in its log' });
  const rows: Array<Array<string | number>> = [];
  let valid = true;
  const errorsSeen = new Set<string>();
  try {
    for (const clients of CLIENTS) {
      for (const via of ['direct', 'PgBouncer'] as const) {
        const url = via === 'direct' ? rdb.replicaUrl : bouncer.through(rdb.replicaUrl);
        const { connected, connectErrors, firstError, result: r } = await clientRow(url, clients);
        if (firstError) errorsSeen.add(`${via}: ${firstError}`);
        rows.push([clients, via === 'direct' ? 'direct' : `PgBouncer (${PGBOUNCER_POOL} server conns)`, connected, connectErrors, ...counts(r), r.perSecond.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), rssMiB()]);
        // Direct past max_connections is expected to refuse connections (that is the finding); PgBouncer must not.
        if (via === 'PgBouncer') valid &&= connectErrors === 0 && r.errors === 0 && r.unfinished === 0 && r.ok > 0;
        // PgBouncer keeps its server connections (server_idle_timeout): close them, so the next direct row
        // finds all max_connections slots free, not 20 fewer.
        if (via === 'PgBouncer') await closeServerConnections(bouncer.adminUrl, new URL(url).pathname.slice(1));
        await sleep(500); // let the server reap the closed backends before the next row
      }
    }
  } finally {
    await bouncer.stop();
  }
  report.text('### PgBouncer (transaction mode) vs direct, by client connections (point read, one loop per connection)');
  report.table(['clients', 'via', 'connected', 'connect errors', ...COUNT_HEADERS, 'queries/s', 'p50 ms', 'p99 ms', 'RSS MiB'], rows);
  for (const e of errorsSeen) report.text(`connect error seen: ${e}`);
  return valid;
}

/** Why no private server can run here (initdb, pg_ctl, pg_basebackup), or null. */
function postgresBinariesMissing(): string | null {
  try {
    postgresBinDir();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

export const benchmark: Benchmark = {
  name: 'data',
  description: 'data layer side by side: reads with 0 vs 1 streaming replica, PgBouncer vs direct at 50/200/1,000 connections, single-shard vs scatter-gather',
  async run(report: Report): Promise<boolean> {
    report.text(`## data — ${new Date().toISOString()}`);
    report.facts({ ...machine(), 'seconds per row': DURATION_MS / 1000, 'replica callers': CALLERS, rows: ROWS, 'client connections': CLIENTS.join(', '), parts: PARTS.join(', ') });
    let valid = true;
    if (PARTS.includes('replicas') || PARTS.includes('pooling')) {
      const missing = postgresBinariesMissing();
      if (missing) {
        report.text(`replica and pooling rows skipped: ${missing}`);
        valid = false;
      } else {
        const rdb = await startPrivateReplicatedServer();
        try {
          await seed(rdb);
          const server = new pg.Client({ connectionString: rdb.replicaUrl });
          await server.connect();
          const max = (await server.query<{ max_connections: string }>('show max_connections')).rows[0]?.max_connections;
          await server.end();
          report.facts({ 'private primary': new URL(rdb.primaryUrl).port, 'standby port': rdb.replica.port, 'standby max_connections': max ?? '?' });
          if (PARTS.includes('replicas')) valid = (await replicaRows(report, rdb)) && valid;
          if (PARTS.includes('pooling')) valid = (await poolingRows(report, rdb)) && valid;
        } finally {
          await rdb.close();
        }
      }
    }
    if (PARTS.includes('shards')) {
      report.text('### single-shard vs scatter-gather (bench/shards.ts)');
      valid = (await shardSection(report)) && valid;
    }
    report.text(`peak RSS of this process: ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
    return valid;
  },
};
