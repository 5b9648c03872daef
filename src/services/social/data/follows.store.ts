import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import type { SocialTables } from './tables.js';

export class FollowsStore {
  private readonly db: Kysely<SocialTables>;

  constructor(database: Database) {
    this.db = database.as<SocialTables>();
  }

  /**
   * Follows or unfollows, keeping the author's follower count in the same transaction. Returns whether anything changed.
   * `onChange` runs in that transaction when something did (the caller's outbox events).
   */
  async setFollowing(followerId: number, followeeId: number, following: boolean, onChange?: (trx: Transaction<SocialTables>) => Promise<void>): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const changed = following
        ? (await trx
            .insertInto('social.follows')
            .values({ follower_id: followerId, followee_id: followeeId })
            .onConflict((oc) => oc.doNothing())
            .executeTakeFirst()).numInsertedOrUpdatedRows
        : (await trx.deleteFrom('social.follows').where('follower_id', '=', followerId).where('followee_id', '=', followeeId).executeTakeFirst())
            .numDeletedRows;
      if (Number(changed ?? 0) === 0) return false;
      const delta = following ? 1 : -1;
      await sql`insert into social.author_stats (author_id, followers_count) values (${followeeId}, ${Math.max(delta, 0)})
        on conflict (author_id) do update set followers_count = social.author_stats.followers_count + ${delta}`.execute(trx);
      await onChange?.(trx);
      return true;
    });
  }

  /** Of `candidates`, the ones `followerId` follows: one query for a whole page of authors. */
  async followedAmong(followerId: number | null, candidates: readonly number[]): Promise<Set<number>> {
    if (followerId === null || candidates.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('social.follows')
      .select('followee_id')
      .where('follower_id', '=', followerId)
      .where('followee_id', 'in', [...new Set(candidates)])
      .execute();
    return new Set(rows.map((r) => r.followee_id));
  }
}
