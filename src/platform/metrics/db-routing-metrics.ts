import { Counter, Gauge, type Registry } from 'prom-client';
import type { Database } from '../db/database.js';

/**
 * Where statements went and how the replicas stand, read at scrape time
 * (docs/patterns/read-replicas.md; alerts in deploy/prometheus/rules).
 */
export function registerDbRoutingMetrics(registry: Registry, db: Database): void {
  new Counter({
    name: 'db_queries_total',
    help: 'SQL statements run, by target: primary or replica (a replica read that failed and was retried counts once, on the primary)',
    labelNames: ['target'] as const,
    registers: [registry],
    collect() {
      const counts = db.queryCounts();
      this.reset();
      this.inc({ target: 'primary' }, counts.primary);
      this.inc({ target: 'replica' }, counts.replica);
    },
  });
  // Declared without replicas too (no samples): the alert rules' metric names always exist on /metrics.
  const replicas = () => db.replicas?.replicas() ?? [];
  new Gauge({
    name: 'db_replica_lag_seconds',
    help: 'How far each replica is behind the primary: time since the primary was first seen at a WAL position the replica has not replayed',
    labelNames: ['replica'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const r of replicas()) if (Number.isFinite(r.lagSeconds)) this.set({ replica: r.name }, r.lagSeconds);
    },
  });
  new Gauge({
    name: 'db_replica_in_rotation',
    help: '1 while a replica serves reads; 0 while it is down, lagging past DATABASE_REPLICA_MAX_LAG_MS or promoted',
    labelNames: ['replica'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const r of replicas()) this.set({ replica: r.name }, r.healthy ? 1 : 0);
    },
  });
  new Counter({
    name: 'db_replica_fallbacks_total',
    help: 'Replica-eligible reads served by the primary: unhealthy (no replica in rotation), behind (none has replayed the user\'s last write), error (the replica failed the read)',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(db.replicas?.fallbacks() ?? {})) this.inc({ reason }, n);
    },
  });
}
