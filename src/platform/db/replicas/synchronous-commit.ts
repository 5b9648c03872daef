import pg from 'pg';

/**
 * When a primary acknowledges a commit (docs/patterns/failover.md):
 * - `remote_apply`: once a standby has applied it (synchronous replication):
 *   a failover loses no acknowledged write and the standby serves it at once;
 * - `local`: once it is flushed on the primary's disk; the standby follows
 *   asynchronously, and a failover loses what it had not received yet
 *   (the same as Postgres' default, `on` with no synchronous standby);
 * - `off`: before even the local flush (the WAL writer flushes within
 *   wal_writer_delay); a crash loses those commits on the primary too.
 */
export type SynchronousCommit = 'remote_apply' | 'local' | 'off';

/** Switches a primary's commit mode (ALTER SYSTEM + reload, no restart; sessions pick it up at once). */
export async function setSynchronousCommit(primaryUrl: string, mode: SynchronousCommit): Promise<void> {
  const client = new pg.Client({ connectionString: primaryUrl });
  await client.connect();
  try {
    await client.query(mode === 'remote_apply' ? "alter system set synchronous_standby_names = '*'" : 'alter system reset synchronous_standby_names');
    await client.query(`alter system set synchronous_commit = '${mode}'`);
    await client.query('select pg_reload_conf()');
  } finally {
    await client.end();
  }
}
