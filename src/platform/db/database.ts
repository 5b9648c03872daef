import type { Kysely } from 'kysely';

/**
 * The process's one handle on Postgres (PGlite or a real server). Each
 * service types its own tables (`'social.articles': ArticleRow`, ...) and
 * narrows this handle with `as<ServiceTables>()`; the handle itself is
 * untyped because it is shared by every service in the process.
 */
export interface Database {
  readonly driver: 'pglite' | 'postgres';
  as<Tables>(): Kysely<Tables>;
  ping(): Promise<void>;
  /** Connections now: in use + idle = total; `waiting` queries wait for one (saturation). PGlite is one connection. */
  poolStats(): { total: number; idle: number; waiting: number; max: number };
  close(): Promise<void>;
}
