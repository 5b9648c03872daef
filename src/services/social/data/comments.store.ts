import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import type { SocialTables } from './tables.js';

export type CommentRow = Selectable<SocialTables['social.comments']>;

export class CommentsStore {
  readonly db: Kysely<SocialTables>;

  constructor(database: Database) {
    this.db = database.as<SocialTables>();
  }

  /** `trx`: the caller's transaction (the comment and its outbox event commit together). */
  async insert(articleId: number, authorId: number, body: string, trx: Kysely<SocialTables> = this.db): Promise<CommentRow> {
    return trx
      .insertInto('social.comments')
      .values({ article_id: articleId, author_id: authorId, body })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Newest first, id breaking ties. */
  async forArticle(articleId: number): Promise<CommentRow[]> {
    return this.db
      .selectFrom('social.comments')
      .selectAll()
      .where('article_id', '=', articleId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  async byId(articleId: number, commentId: number): Promise<CommentRow | undefined> {
    return this.db
      .selectFrom('social.comments')
      .selectAll()
      .where('id', '=', commentId)
      .where('article_id', '=', articleId)
      .executeTakeFirst();
  }

  async delete(commentId: number): Promise<void> {
    await this.db.deleteFrom('social.comments').where('id', '=', commentId).execute();
  }
}
