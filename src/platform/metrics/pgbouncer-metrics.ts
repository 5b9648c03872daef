import { Gauge, type Registry } from 'prom-client';
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

/**
 * PgBouncer's pools on /metrics (PGBOUNCER_ADMIN_URL): `SHOW POOLS` on its
 * admin console at scrape time, so saturation behind the bouncer (clients
 * waiting for one of its server connections, and for how long) shows next
 * to the app pool's own db_pool_connections. Returns the closer.
 */
export function registerPgBouncerMetrics(registry: Registry, adminUrl: string): () => Promise<void> {
  let client: pg.Client | undefined;
  const pools = async (): Promise<PoolRow[]> => {
    try {
      if (!client) {
        const fresh = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 1_000 });
        fresh.on('error', () => {
          if (client === fresh) client = undefined;
        });
        await fresh.connect();
        client = fresh;
      }
      // The admin console speaks the simple protocol only: no parameters.
      return (await client.query<PoolRow>('SHOW POOLS')).rows.filter((r) => r.database !== 'pgbouncer');
    } catch {
      // PgBouncer away: no samples this scrape (pgbouncer_up says so), the next scrape reconnects.
      await client?.end().catch(() => {});
      client = undefined;
      return [];
    }
  };
  let last: PoolRow[] = [];
  const up = new Gauge({
    name: 'pgbouncer_up',
    help: '1 when PgBouncer\'s admin console answered SHOW POOLS at this scrape',
    registers: [registry],
    async collect() {
      const rows = await pools();
      last = rows;
      this.set(client ? 1 : 0);
    },
  });
  void up;
  new Gauge({
    name: 'pgbouncer_pool_clients',
    help: 'PgBouncer client connections per pool: active (linked to a server connection) or waiting (queued for one)',
    labelNames: ['database', 'user', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const r of last) {
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
    collect() {
      this.reset();
      for (const r of last) {
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
    collect() {
      this.reset();
      for (const r of last) this.set({ database: r.database, user: r.user }, Number(r.maxwait) + Number(r.maxwait_us) / 1e6);
    },
  });
  return async () => {
    await client?.end().catch(() => {});
    client = undefined;
  };
}
