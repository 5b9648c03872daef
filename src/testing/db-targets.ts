import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../platform/db/database.js';
import { runMigrations, type ServiceMigrations } from '../platform/db/migrations.js';
import { openDatabase } from '../platform/db/open-database.js';
import { skipUnlessAvailable } from './services-required.js';

/** A database a suite runs against: embedded PGlite, or a fresh database on the real server. */
export interface DbTarget {
  name: 'pglite' | 'postgres';
  /** node:test options: `{ skip }` when the server is absent on a laptop. */
  options: { skip?: string };
  /** Creates a fresh database and returns its URL (undefined for PGlite, in memory). */
  create(): Promise<string | undefined>;
  drop(url: string | undefined): Promise<void>;
  /** Settings a system on this target needs: through PgBouncer in transaction mode, no prepared statements. */
  settings?: { DATABASE_PREPARED_STATEMENTS?: boolean };
}

/** The real server's admin URL; the suites create and drop their own databases on it. */
export const ADMIN_DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const pgliteTarget: DbTarget = {
  name: 'pglite',
  options: {},
  create: async () => undefined,
  drop: async () => {},
};

async function reachable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return `PostgreSQL not reachable at ${url} (${(err as Error).message}); set TEST_DATABASE_URL`;
  } finally {
    await client.end().catch(() => {});
  }
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function postgresTarget(skipReason: string | null): DbTarget {
  // The suite's database through a PgBouncer on this port (src/testing/pgbouncer.ts): pooling.processes.test.ts.
  const via = process.env['TEST_DATABASE_VIA_PGBOUNCER'];
  return {
    name: 'postgres',
    options: skipUnlessAvailable(skipReason),
    // PgBouncer in transaction mode hands each transaction any server connection, where a statement
    // prepared on another one does not exist (prepared-statements.ts).
    ...(via ? { settings: { DATABASE_PREPARED_STATEMENTS: false } } : {}),
    create: async () => {
      const name = `scalestack_test_${process.pid}_${randomBytes(4).toString('hex')}`;
      await withAdmin((c) => c.query(`create database ${name}`));
      const url = new URL(ADMIN_DATABASE_URL);
      url.pathname = `/${name}`;
      if (via) url.port = via;
      return url.toString();
    },
    drop: async (url) => {
      if (!url) return;
      // FORCE ends this database's sessions; through PgBouncer they are its server connections, which it replaces.
      const name = new URL(url).pathname.slice(1);
      await withAdmin(async (c) => {
        // pg's Pool.end() resolves before its sockets close: a session still ending would get FORCE's FATAL, which
        // its client, no longer in a pool, throws as an uncaught error (search-plans.test.ts failed so in CI once).
        // So wait for them first (at most 1 s: PgBouncer's server connections and leaked ones are ended by FORCE).
        for (let i = 0; !via && i < 50; i++) {
          const { rows } = await c.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
          if (rows[0]!.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await c.query(`drop database if exists ${name} with (force)`);
      });
    },
  };
}

/** Both targets; every integration suite runs once per target. */
export async function dbTargets(): Promise<DbTarget[]> {
  const targets = [pgliteTarget, postgresTarget(await reachable(ADMIN_DATABASE_URL))];
  // TEST_DB_TARGETS=postgres runs a suite on one target only (the PgBouncer run of the RealWorld suites).
  const only = process.env['TEST_DB_TARGETS']?.split(',');
  return only ? targets.filter((t) => only.includes(t.name)) : targets;
}

/**
 * A fresh database on `target` with the services' migrations run, for a store-level test: handed to `use`, then
 * closed and dropped whatever `use` did.
 */
export async function withMigratedDatabase<T>(
  target: DbTarget,
  migrations: ServiceMigrations[],
  use: (database: Database, url: string | undefined) => Promise<T>,
  poolMax = 2,
): Promise<T> {
  const url = await target.create();
  const database = await openDatabase({ url, dataDir: 'memory://', poolMax });
  try {
    await runMigrations(database, migrations);
    return await use(database, url);
  } finally {
    await database.close();
    await target.drop(url);
  }
}
