import type { CompiledQuery, DatabaseConnection, Driver, QueryCompiler, QueryResult, TransactionSettings } from 'kysely';
import { currentStatementScope } from '../statement-scope.js';
import { isReadOnly } from './read-query.js';
import type { ReplicaMonitor, ReplicaState } from './replica-monitor.js';

export type ReadFallback = 'unhealthy' | 'behind' | 'error';

/** Counts behind db_queries_total{target} and db_replica_fallbacks_total{reason}. */
export interface RoutingCounts {
  primary: number;
  replica: number;
  fallbacks: Record<ReadFallback, number>;
}

/**
 * A Kysely driver in front of the primary's and the replicas' drivers.
 * Writes, transactions and reads outside a request that allows replica
 * reads go to the primary; a read inside one goes, round robin, to a replica
 * in rotation that has replayed the user's last write, else to the primary
 * (counted as a fallback). A read that fails on a replica is asked again of
 * the primary, so a replica dying under load costs no request.
 */
export class RoutingDriver implements Driver {
  private next = 0;


  constructor(
    private readonly primary: Driver,
    private readonly replicas: { state: ReplicaState; driver: Driver }[],
    private readonly monitor: ReplicaMonitor,
    readonly counts: RoutingCounts,
    private readonly closeExtras: () => Promise<void>,
  ) {}

  async init(): Promise<void> {
    await this.primary.init();
    for (const r of this.replicas) await r.driver.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new RoutingConnection(this);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await (connection as RoutingConnection).release();
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = connection as RoutingConnection;
    c.pinned = true;
    await this.primary.beginTransaction(await c.primaryConnection(), settings);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.primary.commitTransaction(await (connection as RoutingConnection).primaryConnection());
    const scope = currentStatementScope();
    if (scope) scope.wrote = true;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.primary.rollbackTransaction(await (connection as RoutingConnection).primaryConnection());
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.primary.savepoint!(await (connection as RoutingConnection).primaryConnection(), name, compile);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.primary.rollbackToSavepoint!(await (connection as RoutingConnection).primaryConnection(), name, compile);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.primary.releaseSavepoint!(await (connection as RoutingConnection).primaryConnection(), name, compile);
  }

  async destroy(): Promise<void> {
    await this.monitor.stop();
    for (const r of this.replicas) await r.driver.destroy();
    await this.primary.destroy();
    await this.closeExtras();
  }

  acquirePrimary(): Promise<DatabaseConnection> {
    return this.primary.acquireConnection();
  }

  releasePrimary(connection: DatabaseConnection): Promise<void> {
    return this.primary.releaseConnection(connection);
  }

  /** The replica for this read, or a fallback reason (null: the read is not the replicas' to answer). */
  async pickReplica(query: CompiledQuery): Promise<{ state: ReplicaState; driver: Driver } | ReadFallback | null> {
    const scope = currentStatementScope();
    if (!scope?.replicaReads || !isReadOnly(query)) return null;
    const healthy = this.replicas.filter((r) => r.state.healthy);
    if (healthy.length === 0) return 'unhealthy';
    const min = scope.minLsn;
    let ready = min === null || min === undefined ? healthy : healthy.filter((r) => r.state.replayLsn >= min);
    if (ready.length === 0 && min !== null && min !== undefined) {
      // Right after a write the last check is older than the write: ask one replica where it is now (usually replayed within a millisecond).
      const candidate = healthy[this.next++ % healthy.length]!;
      if ((await this.monitor.refreshPosition(candidate.state)) >= min) ready = [candidate];
    }
    if (ready.length === 0) return 'behind';
    this.next = (this.next + 1) % ready.length;
    return ready[this.next % ready.length]!;
  }

  markDown(state: ReplicaState): void {
    this.monitor.markDown(state);
  }
}

/** One Kysely connection: a primary connection taken only when needed, replica connections per read. */
class RoutingConnection implements DatabaseConnection {
  pinned = false;
  private primary: Promise<DatabaseConnection> | undefined;

  constructor(private readonly driver: RoutingDriver) {}

  primaryConnection(): Promise<DatabaseConnection> {
    this.primary ??= this.driver.acquirePrimary();
    return this.primary;
  }

  async release(): Promise<void> {
    if (!this.primary) return;
    const connection = await this.primary;
    this.primary = undefined;
    await this.driver.releasePrimary(connection);
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const counts = this.driver.counts;
    const choice = this.pinned ? null : await this.driver.pickReplica(query);
    if (choice !== null && typeof choice === 'object') {
      try {
        const connection = await choice.driver.acquireConnection();
        try {
          const result = await connection.executeQuery<R>(query);
          counts.replica++;
          return result;
        } finally {
          await choice.driver.releaseConnection(connection);
        }
      } catch (err) {
        // Any failure of a read on a replica is answered by the primary; a lost connection also takes the replica out.
        if (isConnectionError(err)) this.driver.markDown(choice.state);
        counts.fallbacks.error++;
      }
    } else if (typeof choice === 'string') {
      counts.fallbacks[choice]++;
    }
    const result = await (await this.primaryConnection()).executeQuery<R>(query);
    counts.primary++;
    if (!this.pinned && !isReadOnly(query)) {
      const scope = currentStatementScope();
      if (scope) scope.wrote = true;
    }
    return result;
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    this.driver.counts.primary++;
    yield* (await this.primaryConnection()).streamQuery<R>(query, chunkSize);
  }
}

/** No SQLSTATE, or class 08 (connection exception) / 57P (operator intervention: shutdown, crash). */
function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code !== 'string' || code.startsWith('08') || code.startsWith('57P');
}
