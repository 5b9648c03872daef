import { execFile, execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { formatLsn, parseLsn, type Lsn } from '../platform/db/replicas/lsn.js';
import { postgresBinDir } from '../platform/db/replicas/local-replica.js';
import { sleep } from './cli-process.js';

/**
 * The measuring side of the failover drill (src/platform/db/replicas/failover.processes.test.ts,
 * docs/patterns/failover.md): the crash, the standby's lag just before it, and the WAL the dead
 * primary had that the standby never received.
 */

/**
 * kill -9 of a server's postmaster and its backends, the WAL sender included: a crash, nothing more
 * is flushed or sent. pg_ctl starts the postmaster as a process group leader, so one kill(-pid)
 * stops them all at once; the children are killed one by one as well in case it is not.
 */
export function killPostgres(pid: number): void {
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map(Number).filter((n) => n > 0);
  for (const target of [-pid, pid, ...children]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // no such group (not a leader) or already gone with it
    }
  }
}

/** One look at the standby from the primary (pg_stat_replication). */
export interface LagSample {
  /** WAL the primary had inserted (acknowledged commits included, whatever synchronous_commit) that the standby had not written. */
  behindBytes: number;
  /** Postgres' write_lag and replay_lag: from a local flush to the standby reporting it written / replayed; null once idle. */
  writeLagMs: number | null;
  replayLagMs: number | null;
}

/** Samples the standby's lag every `everyMs` until stopped; stop() returns the samples, the last one just before it. */
export function sampleReplication(primaryUrl: string, everyMs = 20): { stop(): Promise<LagSample[]> } {
  const samples: LagSample[] = [];
  let stopped = false;
  const loop = (async () => {
    const client = new pg.Client({ connectionString: primaryUrl });
    client.on('error', () => {});
    await client.connect();
    try {
      while (!stopped) {
        const { rows } = await client.query<{ behind: number; write_ms: number | null; replay_ms: number | null }>(
          `select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), write_lsn)::float8 as behind,
                  (extract(epoch from write_lag) * 1000)::float8 as write_ms, (extract(epoch from replay_lag) * 1000)::float8 as replay_ms
             from pg_stat_replication order by write_lsn limit 1`,
        );
        const row = rows[0];
        if (row) samples.push({ behindBytes: Math.max(0, row.behind), writeLagMs: row.write_ms, replayLagMs: row.replay_ms });
        await sleep(everyMs);
      }
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return samples;
    },
  };
}

/** What a standby had once its primary died: received (flushed to its disk) and replayed; waits until it noticed the loss. */
export async function standbyPositionAfterCrash(standbyUrl: string): Promise<{ received: Lsn; replayed: Lsn }> {
  const client = new pg.Client({ connectionString: standbyUrl });
  await client.connect();
  try {
    // The WAL receiver reads what was in flight up to the closed connection, then stops streaming.
    for (let i = 0; i < 100; i++) {
      const { rows } = await client.query<{ status: string }>('select status from pg_stat_wal_receiver');
      if (rows[0]?.status !== 'streaming') break;
      await sleep(20);
    }
    const { rows } = await client.query<{ received: string; replayed: string }>('select pg_last_wal_receive_lsn()::text as received, pg_last_wal_replay_lsn()::text as replayed');
    return { received: parseLsn(rows[0]!.received), replayed: parseLsn(rows[0]!.replayed) };
  } finally {
    await client.end();
  }
}

/** WAL a dead server had on its disk after `from`: bytes and COMMIT records (pg_waldump of its pg_wal, on its newest timeline). */
export async function walOnDiskAfter(dataDir: string, from: Lsn): Promise<{ bytes: number; commits: number }> {
  const walDir = join(dataDir, 'pg_wal');
  const segments = readdirSync(walDir).filter((f) => /^[0-9A-F]{24}$/.test(f)).sort();
  const timeline = parseInt(segments.at(-1)!.slice(0, 8), 16);
  // pg_waldump ends with an error at the end of the WAL (the first invalid record) or finds nothing
  // after `from`: the records printed before that are the answer, whatever its exit code.
  const stdout = await new Promise<string>((resolve) =>
    execFile(join(postgresBinDir(), 'pg_waldump'), ['-p', walDir, '-t', String(timeline), '-s', formatLsn(from)], { maxBuffer: 64 * 2 ** 20 }, (_err, out) => resolve(String(out))),
  );
  let end = from;
  let commits = 0;
  for (const line of stdout.split('\n')) {
    const m = /len \(rec\/tot\):\s*\d+\/\s*(\d+), tx:\s*\d+, lsn: ([0-9A-F]+\/[0-9A-F]+),.*desc: (\S+)/.exec(line);
    if (!m) continue;
    end = parseLsn(m[2]!) + BigInt(m[1]!);
    if (line.startsWith('rmgr: Transaction') && m[3] === 'COMMIT') commits++;
  }
  return { bytes: Number(end - from), commits };
}
