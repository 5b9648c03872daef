import { appendFileSync, chownSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asPostgres, postmasterPid } from './local-replica.js';

/**
 * A throwaway Postgres server (initdb on its own port) for drills that kill
 * their primary: the failover drill never touches the machine's server.
 */
export interface LocalPrimary {
  url: string;
  port: number;
  dataDir: string;
  pid(): number | null;
  /** Stops it if it still runs and deletes its files. */
  remove(): Promise<void>;
}

export async function startLocalPrimary(port: number): Promise<LocalPrimary> {
  const dataDir = `/tmp/scalestack-primary-${port}`;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { mode: 0o700 });
  if (process.getuid?.() === 0) {
    const { uid, gid } = statSync('/var/lib/postgresql');
    chownSync(dataDir, uid, gid);
  }
  await asPostgres('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  appendFileSync(
    join(dataDir, 'postgresql.conf'),
    [
      '',
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dataDir}'`,
      'wal_level = replica',
      'max_wal_senders = 4',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dataDir, 'pg_hba.conf'), ['local all all trust', 'host all all 127.0.0.1/32 trust', 'host replication all 127.0.0.1/32 trust', ''].join('\n'));
  await asPostgres('pg_ctl', ['-D', dataDir, '-l', join(dataDir, 'server.log'), '-w', '-t', '60', 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    pid: () => postmasterPid(dataDir),
    remove: () => removeLocalServer(dataDir),
  };
}

/** Stops a server of this machine's drills if it still runs (immediate) and deletes its files. */
export async function removeLocalServer(dataDir: string): Promise<void> {
  if (postmasterPid(dataDir)) await asPostgres('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
}
