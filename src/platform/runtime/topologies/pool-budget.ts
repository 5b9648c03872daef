import type { Plan } from './plan.js';

export interface PoolBudget {
  /** DATABASE_POOL_MAX of each replica. */
  pool: number;
  /** Replicas counted: the most the topology runs at once. */
  replicas: number;
  /** pool × replicas: what Postgres may be asked for at the worst moment. */
  connections: number;
  /** Whether that stays within the budget (not when even one connection each is too many). */
  fits: boolean;
}

/**
 * The most replicas a one-host topology runs at once: each service at its most (the autoscaler's max, or the
 * plan's count when that is higher or nothing scales), every worker, plus one, for the new replica a rolling
 * restart starts before it stops the old one.
 */
export function mostReplicas(plan: Exclude<Plan, { kind: 'embedded' }>, autoscaleMax: number): number {
  if (plan.kind === 'workers') return plan.workers + 1;
  let most = 0;
  for (const count of plan.replicas.values()) most += plan.autoscale ? Math.max(count, autoscaleMax) : count;
  return most + 1;
}

/**
 * Each replica's Postgres pool: the same share of DATABASE_CONNECTION_BUDGET for every replica the topology may
 * run, never more than DATABASE_POOL_MAX and never under one. Every replica used to pool DATABASE_POOL_MAX (10),
 * so the cache-off autoscale step (social 1 -> 8, identity 1 -> 3, four more services) reached all 100 of
 * Postgres' connections and was refused more.
 */
export function poolPerReplica(budget: number, replicas: number, poolMax: number): PoolBudget {
  const pool = Math.max(1, Math.min(poolMax, Math.floor(budget / replicas)));
  return { pool, replicas, connections: pool * replicas, fits: pool * replicas <= budget };
}
