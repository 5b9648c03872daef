import type { Kysely } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import type { SocialTables } from './tables.js';

export class FollowsStore {
  private readonly db: Kysely<SocialTables>;

  constructor(database: Database) {
    this.db = database.as<SocialTables>();
  }

  async follow(followerId: number, followeeId: number): Promise<void> {
    await this.db
      .insertInto('social.follows')
      .values({ follower_id: followerId, followee_id: followeeId })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async unfollow(followerId: number, followeeId: number): Promise<void> {
    await this.db.deleteFrom('social.follows').where('follower_id', '=', followerId).where('followee_id', '=', followeeId).execute();
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
