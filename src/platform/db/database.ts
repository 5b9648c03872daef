import type { Kysely } from 'kysely';
import type { ReplicaRouting } from './replicas/replica-routing.js';

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
  /** Statements run so far by target (db_queries_total); always primary without replicas. */
  queryCounts(): { primary: number; replica: number };
  /** Present with DATABASE_REPLICA_URLS (docs/patterns/read-replicas.md). */
  readonly replicas?: ReplicaRouting;
  /**
   * Present on a new embedded database opened with a schemaKey that has no migrated base yet:
   * call it once the migrations ran, before anything else writes, to keep this database as that base.
   */
  readonly keepAsBase?: () => Promise<void>;
  close(): Promise<void>;
}
