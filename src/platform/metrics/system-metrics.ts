import { Gauge, type Registry } from 'prom-client';
import type { Database } from '../db/database.js';
import { registerOutboxGauges } from './bus-metrics.js';
import { registerDbRoutingMetrics } from './db-routing-metrics.js';

/**
 * Saturation of the shared resources, read at scrape time: the database
 * pool (connections in use vs. max, queries waiting for one) and the
 * outbox / dead-letter queues.
 */
export function registerSystemMetrics(registry: Registry, db: Database): void {
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database connections by state: used (serving a query or transaction), idle, waiting (queries queued for a connection)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const s = db.poolStats();
      this.set({ state: 'used' }, s.total - s.idle);
      this.set({ state: 'idle' }, s.idle);
      this.set({ state: 'waiting' }, s.waiting);
    },
  });
  new Gauge({
    name: 'db_pool_max_connections',
    help: 'The pool size limit (DATABASE_POOL_MAX; 1 for embedded PGlite)',
    registers: [registry],
    collect() {
      this.set(db.poolStats().max);
    },
  });
  registerOutboxGauges(registry, db);
  registerDbRoutingMetrics(registry, db);
}
