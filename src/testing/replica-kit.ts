import pg from 'pg';
import { startLocalPrimary } from '../platform/db/replicas/local-primary.js';
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
    await waitAccepting(replicaUrl.toString());
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

/**
 * A throwaway primary of its own (initdb on a free port, `local-primary.ts`)
 * with a streaming standby of it: for runs that must not depend on the
 * machine's server (replication rights, its max_connections, other users'
 * load). Both are stopped and deleted by close().
 */
export async function startPrivateReplicatedServer(): Promise<ReplicatedDatabase> {
  const primary = await startLocalPrimary(await freePort());
  const options = { primaryUrl: primary.url, port: await freePort() };
  try {
    const replica = await startLocalReplica(options);
    await waitAccepting(replica.url);
    return {
      primaryUrl: primary.url,
      replicaUrl: replica.url,
      replica,
      close: async () => {
        await stopLocalReplica(options);
        await primary.remove();
      },
    };
  } catch (err) {
    await stopLocalReplica(options).catch(() => {});
    await primary.remove();
    throw err;
  }
}

/** Waits (about 10 s at most) until `url` accepts a connection: a standby opens for reads once consistent. */
async function waitAccepting(url: string): Promise<void> {
  for (let i = 0; ; i++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => {});
      if (i > 100) throw err;
      await sleep(100);
    }
  }
}
