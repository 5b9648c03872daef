import { createHash } from 'node:crypto';
import pg from 'pg';

/** SQL text → its statement name, for the statements compile-once built (compile-once.ts). */
const names = new Map<string, string>();

/**
 * Marks a statement's text to be run as a named prepared statement on a real Postgres server: Postgres then
 * parses and plans it once per connection instead of on every run (planning was ~40% of the article list's
 * server time, docs/patterns/queries-first.md). Only texts that are built once and run many times belong
 * here (compile-once's): each one stays prepared on every pooled connection it ran on. Postgres re-plans a
 * prepared statement after a migration changes its tables, but fails it if its result columns change: a marked
 * statement names its columns (no `select *`), so a column added by a rolling migration leaves it valid.
 */
export function markPrepared(sql: string): void {
  // The name comes from the text: the same statement has the same name in every process and on every
  // connection, and two texts never share one (pg refuses a name prepared with another text).
  if (!names.has(sql)) names.set(sql, `ss_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`);
}

type QueryArgs = Parameters<pg.Client['query']>;

/**
 * The pool's client with DATABASE_PREPARED_STATEMENTS on: Kysely's Postgres driver calls `query(text, values)`;
 * a marked text goes to pg as `{ name, text, values }`, which pg prepares once per connection (and then only
 * binds and executes). Everything else, and every other call shape, is passed through unchanged.
 */
export class PreparingClient extends pg.Client {
  // pg's overloads cannot be restated one by one in an override; the arguments are handed on as they came.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const [text, values] = args as [unknown, unknown];
    const name = typeof text === 'string' && args.length === 2 && Array.isArray(values) ? names.get(text) : undefined;
    if (name) return super.query({ name, text: text as string, values: values as unknown[] });
    return super.query(...(args as QueryArgs));
  }
}
