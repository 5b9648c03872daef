import type pg from 'pg';
import { parseLsn, type Lsn } from './lsn.js';

/** What the router knows about one replica, refreshed every check. */
export interface ReplicaState {
  /** host:port, the `replica` label of the metrics (never the credentials). */
  name: string;
  pool: pg.Pool;
  /** In rotation: answered the last check and lags no more than DATABASE_REPLICA_MAX_LAG_MS. */
  healthy: boolean;
  /** Why it is out of rotation, when it is. */
  reason: 'down' | 'lagging' | 'promoted' | null;
  /** WAL replayed so far (pg_last_wal_replay_lsn()); a read needing a later position goes elsewhere. */
  replayLsn: Lsn;
  /** Seconds behind the primary (see lagSeconds()); NaN until the first check. */
  lagSeconds: number;
}

export interface MonitorSettings {
  maxLagMs: number;
  checkEveryMs: number;
}

/**
 * The health and lag check: every `checkEveryMs` it samples the primary's
 * WAL position, then asks each replica how far it has replayed.
 *
 * Lag is measured in time from WAL positions, not from
 * pg_last_xact_replay_timestamp(), which grows on an idle primary and hides
 * a replica that stopped receiving: the lag is how long ago the primary was
 * first seen at a position the replica has still not replayed (0 when it
 * has replayed everything sampled), accurate to one check.
 */
export class ReplicaMonitor {
  private readonly samples: { lsn: Lsn; at: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly primary: pg.Pool,
    readonly replicas: ReplicaState[],
    private readonly settings: MonitorSettings,
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.check().finally(() => {
        this.running = undefined;
        if (this.timer) this.timer = setTimeout(tick, this.settings.checkEveryMs).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** A failed query on a replica takes it out at once; the next good check brings it back. */
  markDown(replica: ReplicaState): void {
    replica.healthy = false;
    replica.reason = 'down';
  }

  /** The replica's replay position now (one query); on failure, what is known (and the replica taken out). */
  async refreshPosition(replica: ReplicaState): Promise<Lsn> {
    try {
      const { rows } = await replica.pool.query<{ lsn: string | null }>('select pg_last_wal_replay_lsn()::text as lsn');
      const lsn = rows[0]!.lsn === null ? 0n : parseLsn(rows[0]!.lsn);
      if (lsn > replica.replayLsn) replica.replayLsn = lsn;
    } catch {
      this.markDown(replica);
    }
    return replica.replayLsn;
  }

  async check(): Promise<void> {
    const now = Date.now();
    try {
      const { rows } = await this.primary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
      const lsn = parseLsn(rows[0]!.lsn);
      const last = this.samples.at(-1);
      if (!last || last.lsn < lsn) this.samples.push({ lsn, at: now });
    } catch {
      // The primary is away: replicas are still judged against the last position seen.
    }
    // Only samples a healthy replica could still lag behind are kept.
    const horizon = now - Math.max(60_000, this.settings.maxLagMs * 10);
    while (this.samples.length > 1 && this.samples[0]!.at < horizon) this.samples.shift();
    await Promise.all(this.replicas.map((r) => this.checkReplica(r, now)));
  }

  private async checkReplica(replica: ReplicaState, now: number): Promise<void> {
    try {
      const { rows } = await replica.pool.query<{ lsn: string | null; recovering: boolean }>(
        'select pg_last_wal_replay_lsn()::text as lsn, pg_is_in_recovery() as recovering',
      );
      const row = rows[0]!;
      if (!row.recovering || row.lsn === null) {
        // Promoted (a failover) or not a standby at all: not a read replica of this primary any more.
        replica.healthy = false;
        replica.reason = 'promoted';
        return;
      }
      replica.replayLsn = parseLsn(row.lsn);
      const behind = this.samples.find((s) => s.lsn > replica.replayLsn);
      replica.lagSeconds = behind ? (now - behind.at) / 1000 : 0;
      const lagging = replica.lagSeconds * 1000 > this.settings.maxLagMs;
      replica.healthy = !lagging;
      replica.reason = lagging ? 'lagging' : null;
    } catch {
      replica.healthy = false;
      replica.reason = 'down';
    }
  }
}
