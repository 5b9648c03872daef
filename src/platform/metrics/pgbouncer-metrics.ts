import { Counter, Gauge, type Registry } from 'prom-client';
import pg from 'pg';

interface PoolRow {
  database: string;
  user: string;
  cl_active: string;
  cl_waiting: string;
  sv_active: string;
  sv_idle: string;
  sv_used: string;
  maxwait: string;
  maxwait_us: string;
  pool_mode: string;
}

/** SHOW STATS: totals since PgBouncer started, per database (times in microseconds). */
interface StatsRow {
  database: string;
  total_xact_count: string;
  total_wait_time: string;
}

/** What one scrape read off the admin console; `up` false when it did not answer. */
interface AdminView {
  up: boolean;
  pools: PoolRow[];
  stats: StatsRow[];
}

/**
 * PgBouncer's pools on /metrics (PGBOUNCER_ADMIN_URL): `SHOW POOLS` and
 * `SHOW STATS` on its admin console at scrape time, so saturation behind the
 * bouncer (clients waiting for one of its server connections, and for how
 * long) shows next to the app pool's own db_pool_connections. The waiting
 * gauges show the scrape's moment; the wait counter adds up every wait,
 * including bursts that come and go between two scrapes. Returns the closer.
 */
export function registerPgBouncerMetrics(registry: Registry, adminUrl: string): () => Promise<void> {
  let client: pg.Client | undefined;
  const read = async (): Promise<AdminView> => {
    try {
      if (!client) {
        const fresh = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 1_000 });
        fresh.on('error', () => {
          if (client === fresh) client = undefined;
        });
        await fresh.connect();
        client = fresh;
      }
      // The admin console speaks the simple protocol only: no parameters. Its own database is left out.
      const pools = (await client.query<PoolRow>('SHOW POOLS')).rows.filter((r) => r.database !== 'pgbouncer');
      const stats = (await client.query<StatsRow>('SHOW STATS')).rows.filter((r) => r.database !== 'pgbouncer');
      return { up: true, pools, stats };
    } catch {
      // PgBouncer away: no samples this scrape (pgbouncer_up says so), the next scrape reconnects.
      await client?.end().catch(() => {});
      client = undefined;
      return { up: false, pools: [], stats: [] };
    }
  };
  // prom-client collects every metric of a scrape at once: they all wait on one read of the console, so each
  // shows this scrape's rows (not the previous scrape's) and the console is asked once.
  let reading: Promise<AdminView> | undefined;
  const view = () => (reading ??= read().finally(() => (reading = undefined)));

  new Gauge({
    name: 'pgbouncer_up',
    help: "1 when PgBouncer's admin console answered SHOW POOLS and SHOW STATS at this scrape",
    registers: [registry],
    async collect() {
      this.set((await view()).up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pgbouncer_pool_clients',
    help: 'PgBouncer client connections per pool: active (linked to a server connection) or waiting (queued for one)',
    labelNames: ['database', 'user', 'state'] as const,
    registers: [registry],
    async collect() {
      const { pools } = await view();
      this.reset();
      for (const r of pools) {
        this.set({ database: r.database, user: r.user, state: 'active' }, Number(r.cl_active));
        this.set({ database: r.database, user: r.user, state: 'waiting' }, Number(r.cl_waiting));
      }
    },
  });
  new Gauge({
    name: 'pgbouncer_pool_servers',
    help: 'PgBouncer server connections per pool: active (lent to a client), idle, used (returned, to be checked)',
    labelNames: ['database', 'user', 'state'] as const,
    registers: [registry],
    async collect() {
      const { pools } = await view();
      this.reset();
      for (const r of pools) {
        this.set({ database: r.database, user: r.user, state: 'active' }, Number(r.sv_active));
        this.set({ database: r.database, user: r.user, state: 'idle' }, Number(r.sv_idle));
        this.set({ database: r.database, user: r.user, state: 'used' }, Number(r.sv_used));
      }
    },
  });
  new Gauge({
    name: 'pgbouncer_pool_max_wait_seconds',
    help: 'How long the oldest waiting client of each pool has waited for a server connection',
    labelNames: ['database', 'user'] as const,
    registers: [registry],
    async collect() {
      const { pools } = await view();
      this.reset();
      for (const r of pools) this.set({ database: r.database, user: r.user }, Number(r.maxwait) + Number(r.maxwait_us) / 1e6);
    },
  });
  // PgBouncer keeps these totals; a scrape copies them (reset, then add the total), as exporters of another server's counters do.
  new Counter({
    name: 'pgbouncer_client_wait_seconds_total',
    help: "Time PgBouncer's clients spent waiting for a server connection, per database, since PgBouncer started",
    labelNames: ['database'] as const,
    registers: [registry],
    async collect() {
      const { stats } = await view();
      this.reset();
      for (const r of stats) this.inc({ database: r.database }, Number(r.total_wait_time) / 1e6);
    },
  });
  new Counter({
    name: 'pgbouncer_transactions_total',
    help: 'Transactions PgBouncer passed to Postgres, per database, since PgBouncer started',
    labelNames: ['database'] as const,
    registers: [registry],
    async collect() {
      const { stats } = await view();
      this.reset();
      for (const r of stats) this.inc({ database: r.database }, Number(r.total_xact_count));
    },
  });
  return async () => {
    await reading?.catch(() => {});
    await client?.end().catch(() => {});
    client = undefined;
  };
}
