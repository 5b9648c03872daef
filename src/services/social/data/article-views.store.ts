import { sql, type Kysely } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import type { SocialTables } from './tables.js';

/**
 * The view log's buckets (article id modulo this): a fold writes one bucket's articles per statement, so on PGlite
 * (statements on the event loop) it holds requests for ~1/32 of a fold at a time.
 */
export const VIEW_LOG_BUCKETS = 32;

/** The view log (social migration 11): views appended by each flush, folded into articles.views_count by bucket. */
export class ArticleViewsStore {
  private readonly db: Kysely<SocialTables>;
  /** PGlite runs no autovacuum (platform/db/pglite-maintenance.ts): the log's deleted rows are reclaimed here. */
  private readonly vacuums: boolean;

  constructor(database: Database) {
    this.db = database.as<SocialTables>();
    this.vacuums = database.driver === 'pglite';
  }

  /** Summed views, one log row per bucket of article ids, in one statement. */
  async append(increments: ReadonlyMap<number, number>): Promise<void> {
    if (increments.size === 0) return;
    await sql`insert into social.article_view_log (bucket, article_ids, counts)
      select (v.id % ${VIEW_LOG_BUCKETS})::smallint, array_agg(v.id), array_agg(v.n)
      from unnest(${[...increments.keys()]}::bigint[], ${[...increments.values()]}::bigint[]) as v(id, n)
      group by 1`.execute(this.db);
  }

  /**
   * Adds a bucket's logged views to its articles and takes them off the log, in one statement: each view is added
   * once, whoever folds. Two instances folding the same bucket at once do not both add a row: the second one's
   * delete waits for the first's and then skips the rows it took. Returns the number of articles updated.
   */
  async fold(bucket: number): Promise<number> {
    const result = await sql`with taken as (
        delete from social.article_view_log where bucket = ${bucket} returning article_ids, counts
      ), sums as (
        select v.id, sum(v.n) as n from taken, unnest(taken.article_ids, taken.counts) as v(id, n) group by v.id
      )
      update social.articles as a set views_count = a.views_count + sums.n from sums where a.id = sums.id`.execute(this.db);
    return Number(result.numAffectedRows ?? 0n);
  }

  /** Whether the log holds nothing to fold: an idle system's fold is this one statement, not one per bucket. */
  async logEmpty(): Promise<boolean> {
    const { rows } = await sql<{ empty: boolean }>`select not exists (select 1 from social.article_view_log) as empty`.execute(this.db);
    return rows[0]!.empty;
  }

  /** After a fold: on PGlite the log's dead rows are vacuumed, else the table grows by every flush's rows. */
  async reclaim(): Promise<void> {
    if (this.vacuums) await sql`vacuum social.article_view_log`.execute(this.db);
  }

  /** Views logged and not folded yet, by article (what a reader of views_count does not see yet). */
  async unfolded(): Promise<Map<number, number>> {
    const { rows } = await sql<{ id: string | number; n: string | number }>`
      select v.id, sum(v.n) as n from social.article_view_log l, unnest(l.article_ids, l.counts) as v(id, n) group by v.id`.execute(this.db);
    return new Map(rows.map((r) => [Number(r.id), Number(r.n)]));
  }
}
