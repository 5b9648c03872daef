import pg from 'pg';

/**
 * Switches synchronous replication on a primary (ALTER SYSTEM + reload, no
 * restart). On: a commit is acknowledged only once a standby has applied it
 * (`remote_apply`), so a failover loses no acknowledged write and the
 * standby serves it at once. Off: commits return after the local flush; a
 * failover may lose what the standby had not received (docs/patterns/failover.md).
 */
export async function setSynchronousCommit(primaryUrl: string, on: boolean): Promise<void> {
  const client = new pg.Client({ connectionString: primaryUrl });
  await client.connect();
  try {
    await client.query(on ? "alter system set synchronous_standby_names = '*'" : 'alter system reset synchronous_standby_names');
    await client.query(on ? "alter system set synchronous_commit = 'remote_apply'" : 'alter system reset synchronous_commit');
    await client.query('select pg_reload_conf()');
  } finally {
    await client.end();
  }
}
