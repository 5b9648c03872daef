import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { REPO_ROOT, acceptsConnections, freePort, sleep } from './cli-process.js';

export const PGBOUNCER_BINARY = '/usr/sbin/pgbouncer';

/** Why PgBouncer cannot run here (for skipUnlessAvailable), or null. */
export function pgbouncerUnavailable(): string | null {
  return existsSync(PGBOUNCER_BINARY) ? null : `${PGBOUNCER_BINARY} missing (apt-get install pgbouncer; tools/setup-services.sh does it)`;
}

export interface OwnPgBouncer {
  port: number;
  /** `url` with PgBouncer's host and port in place of the server's. */
  through(url: string): string;
  /** PgBouncer's file descriptor limit and the use it expects from max_client_conn and the pools (its start-up log), or null. */
  fds: { limit: number; expected: number } | null;
  /** The admin console (SHOW POOLS): postgres://postgres@127.0.0.1:<port>/pgbouncer */
  adminUrl: string;
  /** Points every database at another server (a promoted standby): rewrites the config and RELOADs, clients stay connected. */
  repoint(server: { host: string; port: number }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A PgBouncer of the test's own on a free port, from deploy/pgbouncer/pgbouncer.ini
 * with the port, the server and the file paths replaced (and `poolSize` server
 * connections per database). Runs as the postgres user: PgBouncer refuses root.
 */
export async function startPgBouncer(server: { host: string; port: number }, poolSize = 20): Promise<OwnPgBouncer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'scalestack-pgbouncer-'));
  const template = readFileSync(join(REPO_ROOT, 'deploy/pgbouncer/pgbouncer.ini'), 'utf8');
  const ini = template
    .replace(/^\* = .*$/m, `* = host=${server.host} port=${server.port}`)
    .replace(/^listen_port = .*$/m, `listen_port = ${port}`)
    .replace(/^auth_file = .*$/m, `auth_file = ${join(dir, 'userlist.txt')}`)
    .replace(/^default_pool_size = .*$/m, `default_pool_size = ${poolSize}`)
    .replace(/^logfile = .*$/m, `logfile = ${join(dir, 'pgbouncer.log')}`)
    .replace(/^pidfile = .*$/m, `pidfile = ${join(dir, 'pgbouncer.pid')}`);
  writeFileSync(join(dir, 'pgbouncer.ini'), ini);
  writeFileSync(join(dir, 'userlist.txt'), readFileSync(join(REPO_ROOT, 'deploy/pgbouncer/userlist.txt')));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = postgresIds();
    for (const f of ['', 'pgbouncer.ini', 'userlist.txt']) chownSync(join(dir, f), uid, gid);
  }
  // One file descriptor per client and per server connection: with the usual soft limit of 1024
  // (runuser's pam_limits sets it) PgBouncer stops accepting at ~1,000 connections ("accept() failed:
  // Too many open files") and the clients past it time out connecting. Raise it to the hard limit.
  const start = ['sh', '-c', 'ulimit -n "$(ulimit -Hn)" && exec "$0" "$1"', PGBOUNCER_BINARY, join(dir, 'pgbouncer.ini')];
  const child: ChildProcess = spawn(asRoot ? 'runuser' : start[0]!, asRoot ? ['-u', 'postgres', '--', ...start] : start.slice(1), { stdio: 'ignore' });
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let i = 0; !(await acceptsConnections(port)); i++) {
    if (exited || i > 100) {
      const log = existsSync(join(dir, 'pgbouncer.log')) ? readFileSync(join(dir, 'pgbouncer.log'), 'utf8') : 'no log';
      if (!exited) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`pgbouncer did not start on ${port}: ${log}`);
    }
    await sleep(50);
  }
  return {
    port,
    fds: fileDescriptors(join(dir, 'pgbouncer.log')),
    adminUrl: `postgres://postgres@127.0.0.1:${port}/pgbouncer`,
    through: (url) => {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    repoint: async (target) => {
      const file = join(dir, 'pgbouncer.ini');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^\* = .*$/m, `* = host=${target.host} port=${target.port}`));
      const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/pgbouncer` });
      await admin.connect();
      try {
        await admin.query('RELOAD');
      } finally {
        await admin.end();
      }
    },
    stop: async () => {
      if (!exited) {
        // runuser passes the signal on to pgbouncer (SIGINT: safe shutdown, SIGTERM: immediate).
        child.kill('SIGTERM');
        for (let i = 0; !exited && i < 100; i++) await sleep(50);
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** From the start-up line "kernel file descriptor limit: 20000 (hard: 20000); max_client_conn: 2000, max expected fd use: 2012". */
function fileDescriptors(logFile: string): { limit: number; expected: number } | null {
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
  const m = /file descriptor limit: (\d+).*max expected fd use: (\d+)/.exec(log);
  return m ? { limit: Number(m[1]), expected: Number(m[2]) } : null;
}

function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('no postgres user');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
