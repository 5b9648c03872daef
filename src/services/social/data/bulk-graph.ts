import { sql } from 'kysely';
import type { Database } from '../../../platform/db/database.js';

export interface BulkArticle {
  authorId: number;
  slug: string;
  title: string;
  createdAt: Date;
}

/**
 * Bulk writes into social's own tables for `scalestack seed --bulk`: the
 * follow graph (with author_stats recomputed), who reads their feed (active
 * users), and articles over time. Each batch is one statement.
 */
export class BulkGraphWriter {
  private readonly db;

  /** `onBatch` hears how many rows each statement wrote (for a progress bar). */
  constructor(
    database: Database,
    private readonly onBatch: (rows: number) => void = () => {},
  ) {
    this.db = database.as<object>();
  }

  async follows(edges: ReadonlyArray<readonly [number, number]>, batch = 20_000): Promise<void> {
    for (let i = 0; i < edges.length; i += batch) {
      const slice = edges.slice(i, i + batch);
      await sql`insert into social.follows (follower_id, followee_id)
        select * from unnest(${slice.map((e) => e[0])}::bigint[], ${slice.map((e) => e[1])}::bigint[])
        on conflict do nothing`.execute(this.db);
      this.onBatch(slice.length);
    }
    await sql`insert into social.author_stats (author_id, followers_count)
      select followee_id, count(*) from social.follows group by followee_id
      on conflict (author_id) do update set followers_count = excluded.followers_count`.execute(this.db);
  }

  async activeReaders(userIds: readonly number[], batch = 20_000): Promise<void> {
    for (let i = 0; i < userIds.length; i += batch) {
      await sql`insert into social.feed_readers (user_id, last_read_at)
        select id, now() from unnest(${userIds.slice(i, i + batch)}::bigint[]) as id
        on conflict (user_id) do update set last_read_at = now()`.execute(this.db);
    }
  }

  async articles(articles: readonly BulkArticle[], batch = 5000): Promise<void> {
    for (let i = 0; i < articles.length; i += batch) {
      const slice = articles.slice(i, i + batch);
      await sql`insert into social.articles (slug, title, description, body, author_id, created_at, updated_at)
        select a.slug, a.title, 'Seeded article', 'Seeded body of ' || a.title, a.author_id, a.created_at, a.created_at
        from unnest(${slice.map((a) => a.slug)}::text[], ${slice.map((a) => a.title)}::text[],
                    ${slice.map((a) => a.authorId)}::bigint[], ${slice.map((a) => a.createdAt.toISOString())}::timestamptz[])
             as a(slug, title, author_id, created_at)`.execute(this.db);
      this.onBatch(slice.length);
    }
  }
}
