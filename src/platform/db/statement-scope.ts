import { AsyncLocalStorage } from 'node:async_hooks';

/** Statements issued on behalf of one unit of work (an HTTP request), whatever else the process is doing. */
export interface StatementScope {
  count: number;
}

const scopes = new AsyncLocalStorage<StatementScope>();

/** Runs `fn` (and everything it starts) inside a fresh scope. */
export function withStatementScope<T>(scope: StatementScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

/** Called by the database for every statement; counts it against the current scope, if any. */
export function countStatementInScope(): void {
  const scope = scopes.getStore();
  if (scope) scope.count++;
}
