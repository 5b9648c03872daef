import { createQueryId, type CompiledQuery, type Kysely, type QueryExecutorProvider } from 'kysely';
import { markPrepared } from './prepared-statements.js';

/** Stands for the i-th argument while the statement is built; Kysely passes it through as a parameter value. */
class Placeholder {
  constructor(readonly index: number) {}
}

/** A query builder or a `sql` template (which needs the database to compile). */
type Buildable<Row> = { compile(executorProvider: QueryExecutorProvider): CompiledQuery<Row> };

/** A statement compiled once: call it with its arguments, get its rows. */
export type CompiledStatement<Args extends unknown[], Row> = (...args: Args) => Promise<Row[]>;

/**
 * A statement that Kysely builds and compiles once, on its first call, instead of on every call: building a
 * query (parsing its references, freezing its nodes) and compiling it to SQL was ~8% of the process's CPU on
 * a cache-off read (docs/patterns/queries-first.md), for the same text every time. `build` is called once with a
 * placeholder for each of its declared parameters (`build.length`); each later call binds its arguments to
 * the compiled text's parameters, through Kysely's own `executeQuery` (its log, and so statement counting,
 * tracing and replica routing, see the same query node as before). On real Postgres the text is also run as a
 * named prepared statement unless DATABASE_PREPARED_STATEMENTS=false (prepared-statements.ts).
 *
 * What `build` may do with a placeholder: pass it where Kysely takes a value (`where(col, '=', p)`,
 * `limit(p)`, `${p}` in `sql`). What it must not: compute with it, test it, or hand it to `in` as a list
 * (Kysely expands a list into one parameter per item, so the text would depend on its length: use
 * `= any(${p})` with an array instead). Values it embeds itself stay constants of the statement.
 */
export function compileOnce<DB, Args extends unknown[], Row>(
  db: Kysely<DB>,
  build: (...args: Args) => Buildable<Row>,
): CompiledStatement<Args, Row> {
  let compiled: { sql: string; query: CompiledQuery['query']; slots: readonly unknown[] } | undefined;
  return async (...args) => {
    if (!compiled) {
      const placeholders = Array.from({ length: build.length }, (_, i) => new Placeholder(i));
      const first = build(...(placeholders as Args)).compile(db);
      compiled = { sql: first.sql, query: first.query, slots: first.parameters };
      // The same text on every call: on a real server it is prepared once per connection (prepared-statements.ts).
      markPrepared(first.sql);
    }
    const parameters = compiled.slots.map((slot) => (slot instanceof Placeholder ? args[slot.index] : slot));
    const query: CompiledQuery<Row> = { sql: compiled.sql, query: compiled.query, parameters, queryId: createQueryId() };
    return (await db.executeQuery(query)).rows;
  };
}
