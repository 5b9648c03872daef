import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mostReplicas, poolPerReplica } from './pool-budget.js';

const services = (counts: Record<string, number>, autoscale = false) =>
  ({ kind: 'services', replicas: new Map(Object.entries(counts)), ...(autoscale ? { autoscale } : {}) }) as const;

describe("a one-host topology's Postgres connections: one budget shared by every replica it may run", () => {
  it('counts each service at its most replicas, plus the one a rolling restart adds', () => {
    const six = { identity: 1, social: 1, catalog: 1, orders: 1, links: 1, notifications: 1 };
    assert.equal(mostReplicas(services(six), 2), 7);
    // --autoscale: every service may grow to the max (the host's cores), or stays at a plan count above it.
    assert.equal(mostReplicas(services(six, true), 2), 13);
    assert.equal(mostReplicas(services({ ...six, social: 3 }, true), 2), 14);
    assert.equal(mostReplicas({ kind: 'workers', workers: 4 }, 2), 5);
  });

  it("gives each replica its share of the budget, at most DATABASE_POOL_MAX, so the sum stays within it", () => {
    // The default budget (80) on a 2-core host under --autoscale: 13 replicas of 6 connections, 78 in all.
    assert.deepEqual(poolPerReplica(80, 13, 10), { pool: 6, replicas: 13, connections: 78, fits: true });
    // Few replicas: the pool setting still caps each one.
    assert.deepEqual(poolPerReplica(80, 7, 10), { pool: 10, replicas: 7, connections: 70, fits: true });
    // The cache-off step's 8 + 3 + 4 replicas (+1) on the old 10 each would have asked for 160; now 5 each, 80.
    assert.deepEqual(poolPerReplica(80, 16, 10), { pool: 5, replicas: 16, connections: 80, fits: true });
  });

  it('never under one connection a replica, and says when even that passes the budget', () => {
    assert.deepEqual(poolPerReplica(20, 49, 10), { pool: 1, replicas: 49, connections: 49, fits: false });
  });
});
