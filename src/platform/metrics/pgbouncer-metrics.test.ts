/**
 * PgBouncer's admin console on /metrics, against a PgBouncer of the test's own:
 * a scrape shows that scrape's pools, the wait counter adds up waits that no
 * scrape saw happening, and a PgBouncer that went away reads as down.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Registry } from 'prom-client';
import { registerPgBouncerMetrics } from './pgbouncer-metrics.js';
import { ADMIN_DATABASE_URL } from '../../testing/db-targets.js';
import { pgbouncerUnavailable, startPgBouncer, type OwnPgBouncer } from '../../testing/pgbouncer.js';
import { skipUnlessAvailable } from '../../testing/services-required.js';

const SERVER_CONNECTIONS = 2;
const database = new URL(ADMIN_DATABASE_URL).pathname.slice(1);

/** The value of `name` whose labels include `labels`, as one scrape of `registry` gave it. */
async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  assert.ok(metric, `${name} registered`);
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  return match?.value;
}

describe('PgBouncer metrics (SHOW POOLS, SHOW STATS)', skipUnlessAvailable(pgbouncerUnavailable()), () => {
  let bouncer: OwnPgBouncer;
  let registry: Registry;
  let close: () => Promise<void>;

  before(async () => {
    const server = new URL(ADMIN_DATABASE_URL);
    bouncer = await startPgBouncer({ host: server.hostname, port: Number(server.port || 5432) }, SERVER_CONNECTIONS);
    registry = new Registry();
    close = registerPgBouncerMetrics(registry, bouncer.adminUrl);
  });
  after(async () => {
    await close?.();
    await bouncer?.stop();
  });

  it("shows this scrape's pools on the first scrape, not the previous scrape's", async () => {
    const holder = new pg.Client({ connectionString: bouncer.through(ADMIN_DATABASE_URL) });
    await holder.connect();
    try {
      await holder.query('begin');
      // The first scrape of a fresh registry: the pool exists and a server connection is lent to the open transaction.
      const text = await registry.metrics();
      assert.match(text, new RegExp(`pgbouncer_pool_servers\\{database="${database}",user="postgres",state="active"\\} 1\\n`), text);
      assert.match(text, /pgbouncer_up 1\n/);
      await holder.query('commit');
    } finally {
      await holder.end();
    }
  });

  it('counts the waits of clients queued for a server connection between two scrapes', async () => {
    const waitedBefore = (await value(registry, 'pgbouncer_client_wait_seconds_total', { database })) ?? 0;
    const xactsBefore = (await value(registry, 'pgbouncer_transactions_total', { database })) ?? 0;
    const clients = await Promise.all(
      Array.from({ length: 3 * SERVER_CONNECTIONS }, async () => {
        const c = new pg.Client({ connectionString: bouncer.through(ADMIN_DATABASE_URL) });
        await c.connect();
        return c;
      }),
    );
    try {
      // Six 0.2 s statements over two server connections: two run at once, the others queue for 0.2 or 0.4 s.
      await Promise.all(clients.map((c) => c.query('select pg_sleep(0.2)')));
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    const waited = (await value(registry, 'pgbouncer_client_wait_seconds_total', { database }))! - waitedBefore;
    const xacts = (await value(registry, 'pgbouncer_transactions_total', { database }))! - xactsBefore;
    // Queued at least 2 x 0.2 s + 2 x 0.4 s = 1.2 s in all; no waits here beyond these clients'.
    assert.ok(waited >= 1.1 && waited < 5, `waited ${waited.toFixed(3)} s in all`);
    assert.ok(xacts >= clients.length, `${xacts} transactions counted for ${clients.length} statements`);
  });

  it('reads as down, with no samples, once PgBouncer is gone', async () => {
    const other = await startPgBouncer({ host: '127.0.0.1', port: 5432 }, SERVER_CONNECTIONS);
    const own = new Registry();
    const closeOwn = registerPgBouncerMetrics(own, other.adminUrl);
    try {
      assert.equal(await value(own, 'pgbouncer_up'), 1);
      await other.stop();
      assert.equal(await value(own, 'pgbouncer_up'), 0);
      assert.equal((await own.getSingleMetric('pgbouncer_pool_servers')!.get()).values.length, 0, 'no pool samples while down');
      assert.equal((await own.getSingleMetric('pgbouncer_client_wait_seconds_total')!.get()).values.length, 0, 'no counter samples while down');
    } finally {
      await closeOwn();
    }
  });
});
