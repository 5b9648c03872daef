import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import { compileOnce } from '../../../platform/db/compile-once.js';
import type { TimelineEntry } from '../feed/timelines/timeline-store.js';
import type { SocialTables } from './tables.js';

/** The SQL behind the timeline strategies: who to fan out to, who is a celebrity, what a timeline holds. */
export class FeedStore {
  private readonly db: Kysely<SocialTables>;
  /** Asked on every hybrid feed read with the cache off: compiled once (platform/db/compile-once.ts). */
  private readonly celebritiesFollowedByStatement;

  constructor(database: Database) {
    this.db = database.as<SocialTables>();
    this.celebritiesFollowedByStatement = compileOnce(this.db, (viewerId: number, threshold: number) =>
      this.db
        .selectFrom('social.follows as f')
        .innerJoin('social.author_stats as s', 's.author_id', 'f.followee_id')
        .select('f.followee_id')
        .where('f.follower_id', '=', viewerId)
        .where('s.followers_count', '>=', threshold),
    );
  }

  /**
   * Of `followerIds`, those an article of `authorId` must no longer reach: every one once the article is gone,
   * else those who no longer follow its author. One statement, primary-key lookups only (fanout.ts: the look
   * after a chunk's writes).
   */
  async outOfReach(articleId: number, authorId: number, followerIds: readonly number[]): Promise<number[]> {
    const { rows } = await sql<{ id: number | string }>`
      select u.id from unnest(${[...followerIds]}::bigint[]) as u(id)
      where not exists (select 1 from social.articles a where a.id = ${articleId})
         or not exists (select 1 from social.follows f where f.follower_id = u.id and f.followee_id = ${authorId})`.execute(this.db);
    return rows.map((r) => Number(r.id));
  }

  async followersCount(authorId: number): Promise<number> {
    const row = await this.db.selectFrom('social.author_stats').select('followers_count').where('author_id', '=', authorId).executeTakeFirst();
    return row?.followers_count ?? 0;
  }

  /**
   * One page of the author's followers, in id order after `afterId`. With `activeDays`, only those who read
   * their feed within it (fan-out); without, everyone (a removal must reach every timeline). With
   * `whileArticle`, none once that article is gone (an addition of a deleted article, see fanout.ts).
   */
  async followers(authorId: number, afterId: number, limit: number, activeDays?: number, whileArticle?: number): Promise<number[]> {
    let query = this.db
      .selectFrom('social.follows as f')
      .select('f.follower_id')
      .where('f.followee_id', '=', authorId)
      .where('f.follower_id', '>', afterId);
    if (activeDays !== undefined) {
      query = query
        .innerJoin('social.feed_readers as r', 'r.user_id', 'f.follower_id')
        .where('r.last_read_at', '>', sql<Date>`now() - make_interval(days => ${activeDays})`);
    }
    if (whileArticle !== undefined) {
      query = query.where((eb) => eb.exists(eb.selectFrom('social.articles as a').select('a.id').where('a.id', '=', whileArticle)));
    }
    const rows = await query.orderBy('f.follower_id').limit(limit).execute();
    return rows.map((r) => r.follower_id);
  }

  /** Up to `limit` authors with at least `threshold` followers, in id order (the celebrity set, cached by FollowedCelebrities). */
  async celebrities(threshold: number, limit: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('social.author_stats')
      .select('author_id')
      .where('followers_count', '>=', threshold)
      .orderBy('author_id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.author_id);
  }

  /** Authors `viewerId` follows that have at least `threshold` followers. */
  async celebritiesFollowedBy(viewerId: number, threshold: number): Promise<number[]> {
    const rows = await this.celebritiesFollowedByStatement(viewerId, threshold);
    return rows.map((r) => r.followee_id);
  }

  /**
   * The newest `limit` articles by the authors `viewerId` follows, leaving out `excluded` authors
   * (the celebrities, under hybrid): what a rebuilt timeline holds.
   */
  async timelineOf(viewerId: number, excluded: readonly number[], limit: number): Promise<TimelineEntry[]> {
    // Each followee's newest `limit` from their own index (social.newest_by, migration 8), merged.
    const { rows } = await sql<{ entries: EntryTriple[] | null }>`select ${entriesJson(sql`select a.id, a.author_id, a.created_at from social.follows f
      cross join lateral social.newest_by(f.followee_id, ${limit}) a
      where f.follower_id = ${viewerId} and not (f.followee_id = any(${[...excluded]}::bigint[]))
      order by a.created_at desc, a.id desc limit ${limit}`)} as entries`.execute(this.db);
    return toEntries(rows[0]?.entries);
  }

  /**
   * The newest `limit` articles by `authorIds` and how many they have in all (the read-time merge of hybrid), in one
   * statement: the total comes from the kept counts (migration 6: counting the celebrities' articles would read them all).
   */
  async recentBy(authorIds: readonly number[], limit: number): Promise<{ entries: TimelineEntry[]; total: number }> {
    if (authorIds.length === 0) return { entries: [], total: 0 };
    const ids = [...authorIds];
    const { rows } = await sql<{ total: string | number | null; entries: EntryTriple[] | null }>`select
        (select sum(articles_count) from social.author_stats where author_id = any(${ids}::bigint[])) as total,
        ${entriesJson(sql`select a.id, a.author_id, a.created_at from unnest(${ids}::bigint[]) as x(author_id)
          cross join lateral social.newest_by(x.author_id, ${limit}) a
          order by a.created_at desc, a.id desc limit ${limit}`)} as entries`.execute(this.db);
    return { entries: toEntries(rows[0]?.entries), total: Number(rows[0]?.total ?? 0) };
  }

  /** Records that `userId` read their feed now. */
  async touchReader(userId: number): Promise<void> {
    await this.db
      .insertInto('social.feed_readers')
      .values({ user_id: userId, last_read_at: new Date() })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ last_read_at: new Date() }))
      .execute();
  }
}

/** An entry as Postgres builds it: [article id, author id, publish time in epoch ms]. */
type EntryTriple = [number, number, number];

/**
 * The rows of `keys` (id, author_id, created_at; in feed order) as one JSON array of triples: one value to parse
 * instead of a row per entry. Milliseconds are truncated, as the driver's Date truncates them.
 */
function entriesJson(keys: RawBuilder<unknown>): RawBuilder<EntryTriple[] | null> {
  return sql`(select json_agg(json_build_array(k.id, k.author_id, floor(extract(epoch from k.created_at) * 1000)) order by k.created_at desc, k.id desc)
    from (${keys}) k)`;
}

function toEntries(triples: EntryTriple[] | null | undefined): TimelineEntry[] {
  return (triples ?? []).map(([articleId, authorId, score]) => ({ articleId: Number(articleId), authorId: Number(authorId), score }));
}
