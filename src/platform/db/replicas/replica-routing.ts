import { PostgresDialect, type Dialect } from 'kysely';
import type pg from 'pg';
import { parseLsn, type Lsn } from './lsn.js';
import { ReplicaMonitor, type ReplicaState } from './replica-monitor.js';
import { RoutingDriver, type ReadFallback, type RoutingCounts } from './routing-driver.js';
import { MemoryWritePositions, type WritePositions } from './write-positions.js';
import { RedisWritePositions } from './redis-write-positions.js';

/** Read replicas as the rest of the system sees them (Database.replicas). */
export interface ReplicaRouting {
  replicas(): readonly Pick<ReplicaState, 'name' | 'healthy' | 'reason' | 'lagSeconds'>[];
  fallbacks(): Readonly<Record<ReadFallback, number>>;
  /** After a user's request wrote: their next reads need a replica that has replayed the primary's position now. */
  rememberWrite(userId: number): Promise<void>;
  /** The position a user's reads need (see WritePositions). */
  positionOf(userId: number): Promise<Lsn | null | 'unknown'>;
  /** Runs a health and lag check now (tests; the monitor runs them by itself). */
  checkNow(): Promise<void>;
}

export interface ReplicaSettings {
  urls: string[];
  maxLagMs: number;
  checkEveryMs: number;
  /** Shared write positions across processes; unset: in this process. */
  redisUrl?: string | undefined;
  redisPrefix: string;
}

/**
 * Builds the routing dialect over the primary's pool and one pool per
 * replica (docs/patterns/read-replicas.md).
 */
export function routeReplicas(
  primary: pg.Pool,
  makePool: (url: string) => pg.Pool,
  settings: ReplicaSettings,
): { dialect: Dialect; routing: ReplicaRouting; counts: RoutingCounts } {
  const states: ReplicaState[] = settings.urls.map((url) => {
    const parsed = new URL(url);
    return { name: `${parsed.hostname}:${parsed.port || '5432'}`, pool: makePool(url), healthy: false, reason: 'down', replayLsn: 0n, lagSeconds: Number.NaN };
  });
  const monitor = new ReplicaMonitor(primary, states, { maxLagMs: settings.maxLagMs, checkEveryMs: settings.checkEveryMs });
  const counts: RoutingCounts = { primary: 0, replica: 0, fallbacks: { unhealthy: 0, behind: 0, error: 0 } };
  // Kept for ten lag budgets (at least a minute): by then any replica still in rotation has replayed the write.
  const ttlMs = Math.max(60_000, settings.maxLagMs * 10);
  const positions: WritePositions = settings.redisUrl
    ? new RedisWritePositions(settings.redisUrl, settings.redisPrefix, ttlMs)
    : new MemoryWritePositions(ttlMs);
  const driver = new RoutingDriver(
    new PostgresDialect({ pool: primary }).createDriver(),
    states.map((state) => ({ state, driver: new PostgresDialect({ pool: state.pool }).createDriver() })),
    monitor,
    counts,
    () => positions.close(),
  );
  monitor.start();
  const base = new PostgresDialect({ pool: primary });
  const dialect: Dialect = {
    createDriver: () => driver,
    createQueryCompiler: () => base.createQueryCompiler(),
    createAdapter: () => base.createAdapter(),
    createIntrospector: (db) => base.createIntrospector(db),
  };
  return {
    dialect,
    counts,
    routing: {
      replicas: () => states.map(({ name, healthy, reason, lagSeconds }) => ({ name, healthy, reason, lagSeconds })),
      fallbacks: () => counts.fallbacks,
      rememberWrite: async (userId) => {
        const { rows } = await primary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
        await positions.remember(userId, parseLsn(rows[0]!.lsn));
      },
      positionOf: (userId) => positions.positionOf(userId),
      checkNow: () => monitor.check(),
    },
  };
}
