import { execFile } from 'node:child_process';
import { chownSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/**
 * A streaming replica of a Postgres server on this machine (`scalestack db
 * replica`): pg_basebackup through a physical replication slot, then a
 * standby postmaster on its own port. Used by the replica suites and the
 * failover drill; never a second copy of the data kept by hand.
 */
export interface LocalReplicaOptions {
  /** The primary, e.g. postgres://postgres@127.0.0.1:5432/postgres (a user allowed to replicate). */
  primaryUrl: string;
  port: number;
  /** The standby's data directory (default /tmp/scalestack-replica-<port>). */
  dataDir?: string;
  /** Physical slot on the primary (default scalestack_replica_<port>). */
  slot?: string;
}

export interface LocalReplica {
  url: string;
  port: number;
  dataDir: string;
  slot: string;
  /** The standby postmaster's pid (kill -9 it to simulate a crash). */
  pid(): number | null;
}

/** The newest installed Postgres binaries (Debian: /usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const major of majors) if (existsSync(join(root, major, 'bin', 'pg_ctl'))) return join(root, major, 'bin');
  throw new Error('no Postgres binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)');
}

/** Runs a Postgres binary as the postgres user (initdb and the postmaster refuse root). */
export async function asPostgres(binary: string, args: string[], timeoutMs = 120_000): Promise<string> {
  const path = join(postgresBinDir(), binary);
  const asRoot = process.getuid?.() === 0;
  const { stdout } = await run(asRoot ? 'runuser' : path, asRoot ? ['-u', 'postgres', '--', path, ...args] : args, { timeout: timeoutMs });
  return stdout;
}

function settings(options: LocalReplicaOptions) {
  const dataDir = options.dataDir ?? `/tmp/scalestack-replica-${options.port}`;
  const slot = options.slot ?? `scalestack_replica_${options.port}`;
  if (!/^[a-z0-9_]+$/.test(slot)) throw new Error(`slot names are [a-z0-9_]: ${slot}`);
  return { dataDir, slot };
}

async function onPrimary<T>(primaryUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: primaryUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The settings a hot standby must not have below the primary's. */
const MATCHED = ['max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction'];

/** Copies the primary, starts the standby and waits until it accepts connections. */
export async function startLocalReplica(options: LocalReplicaOptions): Promise<LocalReplica> {
  const { dataDir, slot } = settings(options);
  const primary = new URL(options.primaryUrl);
  const matched = await onPrimary(options.primaryUrl, async (c) => {
    // A slot left by a replica that was never torn down pins WAL on the primary: reuse the name, start clean.
    await c.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1 and not active', [slot]);
    const lines: string[] = [];
    for (const name of MATCHED) lines.push(`${name} = ${(await c.query(`show ${name}`)).rows[0][name]}`);
    return lines;
  });
  rmSync(dataDir, { recursive: true, force: true });
  await asPostgres('pg_basebackup', [
    '-h', primary.hostname, '-p', primary.port || '5432', '-U', decodeURIComponent(primary.username || 'postgres'),
    '-D', dataDir, '-X', 'stream', '-R', '-C', '-S', slot, '--no-password', '--checkpoint=fast',
  ]);
  // Debian keeps postgresql.conf and pg_hba.conf in /etc: the copy gets its own, minimal ones.
  const conf = [
    `port = ${options.port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dataDir}'`,
    'hot_standby = on',
    'hot_standby_feedback = on',
    // Reports its position often, so the primary's remote_apply commits and pg_stat_replication move promptly.
    "wal_receiver_status_interval = '1s'",
    'wal_level = replica',
    'fsync = on',
    'ssl = off',
    "log_min_messages = 'warning'",
    ...matched,
    '',
  ].join('\n');
  writeFileSync(join(dataDir, 'postgresql.conf'), conf);
  writeFileSync(
    join(dataDir, 'pg_hba.conf'),
    ['local all all trust', 'host all all 127.0.0.1/32 trust', 'host replication all 127.0.0.1/32 trust', 'local replication all trust', ''].join('\n'),
  );
  const owner = statSync(dataDir);
  for (const file of ['postgresql.conf', 'pg_hba.conf']) chownSync(join(dataDir, file), owner.uid, owner.gid);
  await asPostgres('pg_ctl', ['-D', dataDir, '-l', join(dataDir, 'server.log'), '-w', '-t', '60', 'start']);
  return describe(options.port, dataDir, slot, primary);
}

function describe(port: number, dataDir: string, slot: string, primary: URL): LocalReplica {
  const url = new URL(primary.toString());
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { url: url.toString(), port, dataDir, slot, pid: () => postmasterPid(dataDir) };
}

/** The postmaster's pid: the first line of postmaster.pid while it runs. */
export function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Stops the standby (immediate: nothing to flush on a copy), deletes its files and drops its slot on the primary. */
export async function stopLocalReplica(options: LocalReplicaOptions): Promise<void> {
  const { dataDir, slot } = settings(options);
  if (existsSync(join(dataDir, 'postmaster.pid'))) {
    await asPostgres('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop']).catch(() => {});
  }
  rmSync(dataDir, { recursive: true, force: true });
  await onPrimary(options.primaryUrl, async (c) => {
    // The walsender may take a moment to notice its standby is gone; an active slot cannot be dropped.
    for (let i = 0; i < 50; i++) {
      const { rows } = await c.query<{ active: boolean }>('select active from pg_replication_slots where slot_name = $1', [slot]);
      if (rows.length === 0) return;
      if (!rows[0]!.active) {
        await c.query('select pg_drop_replication_slot($1)', [slot]);
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }).catch(() => {});
}
