import { contextSlot } from '../context/async-context.js';

/** Statements issued on behalf of one unit of work (an HTTP request), whatever else the process is doing. */
export interface StatementScope {
  count: number;
  /**
   * Read routing (db/replicas/): reads outside a scope, or in one without
   * `replicaReads`, go to the primary, so background work (outbox relays,
   * consumers) never acts on a stale copy.
   */
  replicaReads?: boolean;
  /** Whose writes these are (read-your-writes is kept per user). */
  userId?: number | null;
  /** The user's last write position: only a replica that has replayed it may answer (bigint WAL position). */
  minLsn?: bigint | null;
  /** Set when a statement went to the primary as a write (or a transaction committed). */
  wrote?: boolean;
}

// A slot of the process's one AsyncLocalStorage (context/async-context.ts says why).
const scopes = contextSlot<StatementScope>();

/** Runs `fn` (and everything it starts) inside a fresh scope. */
export function withStatementScope<T>(scope: StatementScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

/** Called by the database for every statement; counts it against the current scope, if any. */
export function countStatementInScope(): void {
  const scope = scopes.get();
  if (scope) scope.count++;
}

/** The current unit of work's scope, if any. */
export function currentStatementScope(): StatementScope | undefined {
  return scopes.get();
}

/**
 * A request that creates its own user (registration) has no user yet when it
 * starts: it names them here, so its writes count as theirs for read-your-writes.
 */
export function attributeWritesTo(userId: number): void {
  const scope = scopes.get();
  if (scope) scope.userId = userId;
}
