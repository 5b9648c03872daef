import { errors } from '../../../platform/errors/catalog.js';
import { COMMENT_ADDED, type CommentAddedEvent } from '../../../contracts/social.js';
import type { Outbox } from '../../../platform/bus/platform-bus.js';
import type { SocialTables } from '../data/tables.js';
import type { ArticlesStore } from '../data/articles.store.js';
import type { CommentsStore } from '../data/comments.store.js';
import { DELETED_AUTHOR, type AuthorDirectory } from './authors.js';
import type { CommentView } from './views.js';

export class CommentsDomain {
  constructor(
    private readonly comments: CommentsStore,
    private readonly articles: ArticlesStore,
    private readonly authors: AuthorDirectory,
    private readonly outbox: Outbox,
  ) {}

  async add(slug: string, authorId: number, body: string): Promise<CommentView> {
    if (body.trim() === '') throw errors.blank('body');
    const article = await this.article(slug);
    const comment = await this.comments.db.transaction().execute(async (trx) => {
      const row = await this.comments.insert(article.id, authorId, body, trx);
      const payload: CommentAddedEvent = {
        commentId: row.id, commenterId: authorId, articleId: article.id, articleAuthorId: article.author_id,
        articleSlug: slug, articleTitle: article.title, excerpt: [...body].slice(0, 280).join(''),
      };
      await this.outbox.add<SocialTables>(trx, [{ topic: COMMENT_ADDED, key: String(article.id), payload }]);
      return row;
    });
    this.outbox.wake();
    return { comment, author: await this.authors.profile(authorId, authorId) };
  }

  /** Newest first; authors resolved in one batch whatever the number of comments. */
  async list(slug: string, viewerId: number | null): Promise<CommentView[]> {
    const article = await this.article(slug);
    const rows = await this.comments.forArticle(article.id);
    const authors = await this.authors.profiles(rows.map((r) => r.author_id), viewerId);
    return rows.map((comment) => ({ comment, author: authors.get(comment.author_id) ?? DELETED_AUTHOR }));
  }

  /** Only a comment's author may delete it. */
  async delete(slug: string, commentId: number, viewerId: number): Promise<void> {
    const article = await this.article(slug);
    const comment = await this.comments.byId(article.id, commentId);
    if (!comment) throw errors.notFound('comment');
    if (comment.author_id !== viewerId) throw errors.forbidden('comment');
    await this.comments.delete(comment.id);
  }

  private async article(slug: string) {
    const key = await this.articles.keyOf(slug);
    if (!key) throw errors.notFound('article');
    return key;
  }
}
