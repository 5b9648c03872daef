import { sql, type Transaction } from 'kysely';
import type { SocialTables } from './tables.js';

export interface RemovedContent {
  /** The user's articles, deleted (their tags, favorites and comments with them). */
  articles: { id: number; slug: string; createdAt: Date }[];
  /** Other articles whose favorites_count dropped because the user's favorite went. */
  unfavorited: { id: number; slug: string }[];
  /** Who followed the user: their timelines hold the user's articles. */
  followers: number[];
}

/**
 * Everything social holds of one user, removed in the caller's transaction
 * with every count kept in step: favorites_count of what they favorited,
 * followers_count of whom they followed. Social stores user ids without a
 * foreign key into identity, so this is the cascade.
 */
export async function removeUserContent(trx: Transaction<SocialTables>, userId: number): Promise<RemovedContent> {
  const articles = await trx
    .selectFrom('social.articles')
    .select(['id', 'slug', 'created_at'])
    .where('author_id', '=', userId)
    .execute();
  const unfavorited = await trx
    .updateTable('social.articles')
    .set((eb) => ({ favorites_count: eb('favorites_count', '-', 1) }))
    .where('author_id', '!=', userId)
    .where('id', 'in', (eb) => eb.selectFrom('social.favorites').select('article_id').where('user_id', '=', userId))
    .returning(['id', 'slug'])
    .execute();
  await trx.deleteFrom('social.favorites').where('user_id', '=', userId).execute();
  await trx.deleteFrom('social.comments').where('author_id', '=', userId).execute();
  const followers = await trx.selectFrom('social.follows').select('follower_id').where('followee_id', '=', userId).execute();
  await sql`update social.author_stats set followers_count = followers_count - 1
    where author_id in (select followee_id from social.follows where follower_id = ${userId})`.execute(trx);
  await trx.deleteFrom('social.follows').where((eb) => eb.or([eb('follower_id', '=', userId), eb('followee_id', '=', userId)])).execute();
  await trx.deleteFrom('social.author_stats').where('author_id', '=', userId).execute();
  await trx.deleteFrom('social.feed_readers').where('user_id', '=', userId).execute();
  // Tags, favorites and comments of these articles go with them (on delete cascade).
  await trx.deleteFrom('social.articles').where('author_id', '=', userId).execute();
  return {
    articles: articles.map((a) => ({ id: Number(a.id), slug: a.slug, createdAt: a.created_at })),
    unfavorited: unfavorited.map((a) => ({ id: Number(a.id), slug: a.slug })),
    followers: followers.map((f) => Number(f.follower_id)),
  };
}
