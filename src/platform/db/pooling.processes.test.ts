/**
 * PgBouncer in transaction mode between the app and Postgres
 * (deploy/pgbouncer/pgbouncer.ini, docs/patterns/connection-pooling.md):
 * the whole RealWorld suite passes through it unchanged, it takes 1,000 client
 * connections beside its server connections, and four app processes
 * with 200 concurrent clients each share 20 server connections without an
 * error, the waiting visible on /metrics.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ADMIN_DATABASE_URL, dbTargets } from '../../testing/db-targets.js';
import { skipUnlessAvailable } from '../../testing/services-required.js';
import { REPO_ROOT, cleanEnv, compiledSibling, spawnCli, type NodeProcess } from '../../testing/cli-process.js';
import { pgbouncerUnavailable, startPgBouncer, type OwnPgBouncer } from '../../testing/pgbouncer.js';
import { createApiClient } from '../../testing/api-client.js';
import { createArticle, registerUser } from '../../testing/fixtures.js';
import { forEachBounded } from '../../loadgen/api-client.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
const options = postgres.options.skip ? postgres.options : skipUnlessAvailable(pgbouncerUnavailable());
const SERVER_CONNECTIONS = 20;

describe('through PgBouncer (transaction pooling)', options, () => {
  let bouncer: OwnPgBouncer;

  before(async () => {
    const server = new URL(ADMIN_DATABASE_URL);
    bouncer = await startPgBouncer({ host: server.hostname, port: Number(server.port || 5432) }, SERVER_CONNECTIONS);
  });
  after(async () => {
    await bouncer?.stop();
  });

  it('passes the whole RealWorld suite unchanged (users, profiles, articles, comments, favorites, feed, tags)', async () => {
    const suites = [
      'src/services/identity/routes/users.routes.test.ts',
      ...['profiles', 'articles', 'comments', 'favorites', 'feed', 'tags'].map((s) => `src/services/social/routes/${s}.routes.test.ts`),
    ];
    // Under the suite runner those suites are compiled beside this file (ADR 0046): run them without tsx's loader, as the runner does.
    const compiled = suites.map((s) => compiledSibling(s)).filter((c): c is string => c !== null);
    const run = compiled.length === suites.length ? ['--enable-source-maps', ...compiled] : ['--import', 'tsx', ...suites];
    const child = spawn(process.execPath, ['--test', '--test-reporter=dot', ...run], {
      cwd: REPO_ROOT,
      env: cleanEnv({ TEST_DATABASE_VIA_PGBOUNCER: String(bouncer.port), TEST_DB_TARGETS: 'postgres' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, output.slice(-4000));
  });

  it('accepts 1,000 client connections while its 20 server connections are open (file descriptors past 1,024)', async () => {
    const url = bouncer.through(ADMIN_DATABASE_URL);
    // Fill the pool: 20 clients each hold a transaction open at once, so PgBouncer opens all 20 server
    // connections; they stay open (server_idle_timeout) beside the clients' sockets.
    const holders = await Promise.all(
      Array.from({ length: SERVER_CONNECTIONS }, async () => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query('begin');
        return c;
      }),
    );
    const backends = await Promise.all(holders.map(async (c) => (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid));
    await Promise.all(holders.map(async (c) => c.query('commit').finally(() => c.end())));
    assert.equal(new Set(backends).size, SERVER_CONNECTIONS, 'every server connection opened');
    const clients: pg.Client[] = [];
    const failures: string[] = [];
    try {
      await forEachBounded(1000, 50, async () => {
        const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000 });
        c.on('error', () => {});
        try {
          await c.connect();
          clients.push(c);
        } catch (err) {
          failures.push((err as Error).message);
        }
      });
      assert.deepEqual([clients.length, failures.slice(0, 3)], [1000, []], `${failures.length} clients could not connect; PgBouncer's fds: ${JSON.stringify(bouncer.fds)}`);
      const answers = await Promise.all(clients.slice(0, 100).map((c) => c.query<{ one: number }>('select 1 as one').then((r) => r.rows[0]?.one)));
      assert.ok(answers.every((a) => a === 1), 'connected clients are served');
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
    }
  });

  describe('4 app processes x 200 concurrent clients over 20 server connections', () => {
    let databaseUrl: string;
    const apps: NodeProcess[] = [];

    before(async () => {
      databaseUrl = (await postgres.create())!;
      const env = {
        DATABASE_URL: bouncer.through(databaseUrl),
        // 4 x 50 = 200 client connections to PgBouncer for its 20 server connections: the queue is in PgBouncer.
        DATABASE_POOL_MAX: '50',
        // Transaction pooling: a statement prepared on one server connection is not on the next one.
        DATABASE_PREPARED_STATEMENTS: 'false',
        PGBOUNCER_ADMIN_URL: bouncer.adminUrl,
        JWT_SECRET: randomBytes(24).toString('hex'),
        RATE_LIMIT_ENABLED: 'false',
        CACHE_ENABLED: 'false',
        ARGON2_MEMORY_KIB: '1024',
        ARGON2_TIME_COST: '1',
        LOG_LEVEL: 'warn',
        LOG_PRETTY: 'false',
      };
      apps.push(await spawnCli({ env }));
      await apps[0]!.waitReady('/readyz', 240_000);
      const rest = await Promise.all([1, 2, 3].map(() => spawnCli({ env })));
      apps.push(...rest);
      // Generous: four tsx processes starting on a busy 2-core machine.
      await Promise.all(rest.map((a) => a.waitReady('/readyz', 240_000)));
    });
    after(async () => {
      for (const app of apps) await app.stop().catch(() => {});
      await postgres.drop(databaseUrl);
    });

    it('answers every request and shows clients waiting on /metrics', async (t) => {
      const author = await registerUser(createApiClient(apps[0]!.url));
      for (let i = 0; i < 5; i++) await createArticle(createApiClient(apps[0]!.url), author.token);
      // This database's pool: PgBouncer keeps one per database (the 1,000-client test above filled another's).
      const database = `database="${new URL(databaseUrl).pathname.slice(1)}"`;
      // PgBouncer's total client wait (SHOW STATS): every wait counts, not only those a scrape catches in the act.
      const waited = async () => sample(await (await fetch(`${apps[0]!.url}/metrics`)).text(), 'pgbouncer_client_wait_seconds_total', database);
      const waitedBefore = await waited();
      const statuses = new Map<number, number>();
      const errors: string[] = [];
      let sent = 0;
      await Promise.all(
        apps.flatMap((app) =>
          Array.from({ length: 200 }, async (_, i) => {
            const api = createApiClient(app.url);
            for (let n = 0; n < 3; n++) {
              sent++;
              try {
                const res = i % 4 === 0 ? await api.put('/api/user', { user: { bio: `b${i}-${n}` } }, { token: author.token }) : await api.get('/api/articles?limit=5');
                statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
              } catch (err) {
                errors.push(String((err as Error).cause ?? err));
              }
            }
          }),
        ),
      );
      assert.deepEqual(errors.slice(0, 3), [], `${errors.length} requests failed at the socket`);
      assert.deepEqual([...statuses.entries()], [[200, sent]], `all ${sent} requests (2,400) answered 200`);
      const waitedDuring = (await waited()) - waitedBefore;
      t.diagnostic(`PgBouncer's clients waited ${waitedDuring.toFixed(3)} s in all over ${sent} requests`);
      assert.ok(waitedDuring > 0, `clients waited for PgBouncer's server connections (${waitedDuring.toFixed(3)} s in all, pgbouncer_client_wait_seconds_total)`);
      const text = await (await fetch(`${apps[0]!.url}/metrics`)).text();
      assert.equal(sample(text, 'pgbouncer_up', ''), 1, 'PgBouncer pools on /metrics');
      const servers = sample(text, 'pgbouncer_pool_servers', database);
      assert.ok(servers > 0 && servers <= SERVER_CONNECTIONS, `never more server connections than the pool (${servers})`);
    });
  });
});

/** The sum of a metric's samples whose labels contain `labels`. */
function sample(text: string, name: string, labels: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if ((line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(labels)) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}
