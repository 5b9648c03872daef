import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, type Dialect } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { Database } from './database.js';
import { PGliteDialect } from './pglite-dialect.js';
import { isEmptyDataDir, keepMigratedBase, migratedPgliteBase, pgliteBase, pgliteBasesKept, startFromBase } from './pglite-base.js';
import { countStatementInScope } from './statement-scope.js';
import { setPgliteWasmTier } from './pglite-wasm-tier.js';
import { PreparingClient } from './prepared-statements.js';
import { recordStatementSpan } from '../tracing/db-spans.js';
import { routeReplicas, type ReplicaRouting, type ReplicaSettings } from './replicas/replica-routing.js';

export interface DatabaseSettings {
  /** postgres://... for a real server; absent for embedded PGlite. */
  url?: string | undefined;
  /** Where PGlite keeps its files; 'memory://' keeps nothing. */
  dataDir: string;
  poolMax: number;
  /**
   * DATABASE_PREPARED_STATEMENTS: compile-once's statements run as named prepared statements (prepared-statements.ts);
   * default true. Off for a pooler that cannot keep them per client (PgBouncer in transaction mode). Ignored by PGlite.
   */
  preparedStatements?: boolean | undefined;
  /** PGlite's shared_buffers (PGLITE_SHARED_BUFFERS_MB); default 16. Ignored on a real server. */
  embeddedSharedBuffersMb?: number | undefined;
  /** PGLITE_WASM_OPTIMIZE: let V8 recompile PGlite's hot functions with its optimizing compiler (pglite-wasm-tier.ts); default false. */
  embeddedWasmOptimize?: boolean | undefined;
  /** Read replicas (DATABASE_REPLICA_URLS): reads routed per request, see replicas/replica-routing.ts. */
  replicas?: ReplicaSettings | undefined;
  /** migrationsKey() of the migrations this process runs: a new PGlite database starts with them applied when a base for it is kept (pglite-base.ts). */
  schemaKey?: string | undefined;
  /**
   * Makes the migrated base of `schemaKey` in another process (the CLI: `scalestack migrate --embedded-base` in a
   * child), for a new embedded database on disk that has none yet. initdb and the migrations grow a PGlite's
   * WebAssembly memory for good: done here, a first start kept ~500 MB resident against ~185 MB from a base.
   * Absent (tests, in-memory systems): made in this process, as before.
   */
  makeMigratedBase?: (() => Promise<void>) | undefined;
}

const INT8_OID = 20;

/** The extensions of every embedded database (a migrated base is kept per set): pg_trgm, the catalog's typo-tolerant search (a real server has it in its contrib package). */
export const EMBEDDED_EXTENSIONS = { pg_trgm };

/** The one place that picks the database driver (see docs/adr/0002-database-drivers.md). */
export async function openDatabase(settings: DatabaseSettings): Promise<Database> {
  let dialect: Dialect;
  let driver: Database['driver'];
  let poolStats: Database['poolStats'] = () => ({ total: 1, idle: 1, waiting: 0, max: 1 });
  let counts = { primary: 0, replica: 0 };
  let replicas: ReplicaRouting | undefined;
  let keepAsBase: Database['keepAsBase'];

  if (settings.url) {
    driver = 'postgres';
    const makePool = (connectionString: string, replica: boolean) => {
      const pool = new pg.Pool({
        connectionString,
        max: settings.poolMax,
        ...(settings.preparedStatements === false ? {} : { Client: PreparingClient }),
        // A replica that stops answering is given up on fast; the read goes to the primary.
        ...(replica ? { connectionTimeoutMillis: 1_000, query_timeout: 5_000 } : {}),
        // ids and counts are int8; they stay far below 2^53, so JSON numbers are safe.
        types: { getTypeParser: (oid, format) => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) },
      });
      // An idle client losing its server must not crash the process; the next query reports it.
      pool.on('error', () => {});
      // Nor a checked-out one (between a transaction's statements when the primary dies): pg emits 'error'
      // on the client, and with no listener Node exits. The failing query reports it and the pool drops
      // the broken client on release, so after a failover the app reconnects without a restart.
      pool.on('connect', (client) => client.on('error', () => {}));
      return pool;
    };
    const pool = makePool(settings.url, false);
    poolStats = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: settings.poolMax });
    if (settings.replicas && settings.replicas.urls.length > 0) {
      const routed = routeReplicas(pool, (url) => makePool(url, true), settings.replicas);
      dialect = routed.dialect;
      counts = routed.counts;
      replicas = routed.routing;
    } else {
      dialect = new PostgresDialect({ pool });
    }
  } else {
    driver = 'pglite';
    const dataDir = settings.dataDir === 'memory://' ? undefined : join(settings.dataDir, 'pglite');
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const extensions = EMBEDDED_EXTENSIONS;
    // A new database starts from an initialised data directory instead of running initdb, migrated when one is kept (pglite-base.ts).
    const fresh = !dataDir || isEmptyDataDir(dataDir);
    let migratedBase = fresh && settings.schemaKey ? migratedPgliteBase(extensions, settings.schemaKey) : undefined;
    if (fresh && dataDir && settings.schemaKey && !migratedBase && settings.makeMigratedBase && pgliteBasesKept()) {
      await settings.makeMigratedBase();
      migratedBase = migratedPgliteBase(extensions, settings.schemaKey);
    }
    const base = fresh ? (migratedBase ?? (await pgliteBase(extensions))) : undefined;
    const start = base ? await startFromBase(base, dataDir) : {};
    // initdb's shared_buffers (128 MB) made PGlite grow its WebAssembly memory (128 MB at start) to ~190 MB,
    // and memory a WebAssembly instance has grown never goes back: at 32 MB the embedded process is ~100 MB
    // smaller after start, and at 16 MB another ~20 MB (docs/perf/results.md#memory-at-start): Postgres touches all of
    // its buffers at start. The pages that do not fit are read again from the OS page cache, which holds PGlite's files;
    // a larger embedded data set that is read uncached may want more (the setting).
    const sharedBuffers = ['-c', `shared_buffers=${settings.embeddedSharedBuffersMb ?? 16}MB`];
    setPgliteWasmTier(settings.embeddedWasmOptimize ?? false);
    const pglite = await PGlite.create(dataDir, {
      parsers: { [INT8_OID]: Number },
      extensions,
      startParams: [...PGlite.defaultStartParams, ...sharedBuffers],
      ...start,
    });
    dialect = new PGliteDialect(pglite);
    const { schemaKey } = settings;
    if (fresh && !migratedBase && schemaKey) keepAsBase = () => keepMigratedBase(pglite, extensions, schemaKey);
  }

  // Typed per service through as<Tables>(); see Database.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const kysely = new Kysely<any>({
    dialect,
    log: (event) => {
      // Counted per request (db/statement-scope.ts), so background work never counts against a route.
      countStatementInScope();
      // With replicas the routing driver counts by target; without, every statement is the primary's.
      if (!replicas) counts.primary++;
      recordStatementSpan(event, driver);
    },
  });

  return {
    driver,
    poolStats: () => poolStats(),
    queryCounts: () => ({ primary: counts.primary, replica: counts.replica }),
    ...(replicas ? { replicas } : {}),
    ...(keepAsBase ? { keepAsBase } : {}),
    as: <Tables>() => kysely as unknown as Kysely<Tables>,
    ping: async () => {
      await kysely.selectNoFrom((eb) => eb.lit(1).as('ok')).execute();
    },
    // Ends the pg pool or closes PGlite (each driver's destroy()).
    close: () => kysely.destroy(),
  };
}
