import { Type, type Static } from '@sinclair/typebox';

/**
 * What the social service tells the world about articles, through its
 * transactional outbox: an event exists exactly when its change committed.
 * Keyed by author, so one author's events keep their order where the broker
 * orders by key.
 */
export const ARTICLE_PUBLISHED = 'social.article.published';
export const ARTICLE_DELETED = 'social.article.deleted';

export const ArticleEvent = Type.Object({
  articleId: Type.Integer({ minimum: 1 }),
  authorId: Type.Integer({ minimum: 1 }),
  /** Epoch ms of the article's created_at (the timeline score). */
  publishedAt: Type.Integer({ minimum: 0 }),
});
export type ArticleEvent = Static<typeof ArticleEvent>;

export function articleEvent(topic: typeof ARTICLE_PUBLISHED | typeof ARTICLE_DELETED, event: ArticleEvent) {
  return { topic, key: String(event.authorId), payload: event };
}
