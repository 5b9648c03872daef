import { Type, type Static } from '@sinclair/typebox';

/**
 * What the social service tells other services about people's activity,
 * through its transactional outbox (an event exists exactly when its change
 * committed). Consumers (notifications) import this file, never the service.
 * Only the first state change is published: following someone already
 * followed, or favoriting twice, sends nothing.
 */
export const USER_FOLLOWED = 'social.user.followed';
export const UserFollowedEvent = Type.Object({
  followerId: Type.Integer({ minimum: 1 }),
  followeeId: Type.Integer({ minimum: 1 }),
});
export type UserFollowedEvent = Static<typeof UserFollowedEvent>;

export const COMMENT_ADDED = 'social.comment.added';
export const CommentAddedEvent = Type.Object({
  commentId: Type.Integer({ minimum: 1 }),
  commenterId: Type.Integer({ minimum: 1 }),
  articleId: Type.Integer({ minimum: 1 }),
  articleAuthorId: Type.Integer({ minimum: 1 }),
  articleSlug: Type.String(),
  articleTitle: Type.String(),
  /** The start of the comment (at most 280 characters): enough for a notification, never the whole text. */
  excerpt: Type.String({ maxLength: 280 }),
});
export type CommentAddedEvent = Static<typeof CommentAddedEvent>;

export const ARTICLE_FAVORITED = 'social.article.favorited';
export const ArticleFavoritedEvent = Type.Object({
  userId: Type.Integer({ minimum: 1 }),
  articleId: Type.Integer({ minimum: 1 }),
  articleAuthorId: Type.Integer({ minimum: 1 }),
  articleSlug: Type.String(),
  articleTitle: Type.String(),
});
export type ArticleFavoritedEvent = Static<typeof ArticleFavoritedEvent>;
