import pg from 'pg';
import { startLocalReplica, stopLocalReplica, type LocalReplica } from '../platform/db/replicas/local-replica.js';
import { freePort, sleep } from './cli-process.js';
import type { DbTarget } from './db-targets.js';

/** A fresh database on the real server and a streaming replica of the server, on a free port. */
export interface ReplicatedDatabase {
  primaryUrl: string;
  replicaUrl: string;
  replica: LocalReplica;
  close(): Promise<void>;
}

/** The server's maintenance database URL (pg_basebackup and the slot are server-wide). */
export function serverUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
}

/**
 * Creates a database through `target`, copies the server into a standby
 * (`scalestack db replica`'s code) and waits until the standby has the
 * database; close() stops the standby, drops its slot and the database.
 */
export async function startReplicatedDatabase(target: DbTarget): Promise<ReplicatedDatabase> {
  const primaryUrl = (await target.create())!;
  const options = { primaryUrl: serverUrl(primaryUrl), port: await freePort() };
  let replica: LocalReplica | undefined;
  try {
    replica = await startLocalReplica(options);
    const replicaUrl = new URL(primaryUrl);
    replicaUrl.port = String(replica.port);
    for (let i = 0; ; i++) {
      const client = new pg.Client({ connectionString: replicaUrl.toString(), connectionTimeoutMillis: 2000 });
      try {
        await client.connect();
        await client.end();
        break;
      } catch (err) {
        await client.end().catch(() => {});
        if (i > 100) throw err;
        await sleep(100);
      }
    }
    return {
      primaryUrl,
      replicaUrl: replicaUrl.toString(),
      replica,
      close: async () => {
        await stopLocalReplica(options);
        await target.drop(primaryUrl);
      },
    };
  } catch (err) {
    await stopLocalReplica(options).catch(() => {});
    await target.drop(primaryUrl);
    throw err;
  }
}
