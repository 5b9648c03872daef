import type { TSchema } from '@sinclair/typebox';
import {
  ARTICLE_FAVORITED, ArticleFavoritedEvent, COMMENT_ADDED, CommentAddedEvent, USER_FOLLOWED, UserFollowedEvent,
} from '../../../contracts/social.js';

/** The kinds of notification a user can get (and opt out of, per channel). */
export const NOTIFICATION_TYPES = ['follow', 'comment', 'favorite'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Where a notification goes; each can be turned off per type. */
export const CHANNELS = ['inApp', 'email', 'webhook'] as const;

/** What one event becomes: who is told, what about, by whom. Null: nobody (e.g. commenting on your own article). */
export interface NotificationDraft {
  userId: number;
  type: NotificationType;
  actorId: number | null;
  /** Shown with the notification (article, comment excerpt...); no personal data beyond ids. */
  data: Record<string, unknown>;
}

/**
 * One rule per event topic. Adding a source (e.g. orders' state changes) is
 * one entry here plus its type in NOTIFICATION_TYPES: the consumer, the
 * inbox, live push, email and webhooks all follow from the list.
 */
export interface NotificationRule<T = unknown> {
  topic: string;
  schema: TSchema;
  draft(payload: T): NotificationDraft | null;
}

function rule<T>(topic: string, schema: TSchema & { static: T }, draft: (payload: T) => NotificationDraft | null): NotificationRule {
  return { topic, schema, draft: draft as (payload: unknown) => NotificationDraft | null };
}

export const RULES: NotificationRule[] = [
  rule(USER_FOLLOWED, UserFollowedEvent, (e) => ({ userId: e.followeeId, type: 'follow', actorId: e.followerId, data: {} })),
  rule(COMMENT_ADDED, CommentAddedEvent, (e) =>
    e.commenterId === e.articleAuthorId
      ? null
      : {
          userId: e.articleAuthorId, type: 'comment', actorId: e.commenterId,
          data: { article: { slug: e.articleSlug, title: e.articleTitle }, comment: { id: e.commentId, excerpt: e.excerpt } },
        }),
  rule(ARTICLE_FAVORITED, ArticleFavoritedEvent, (e) =>
    e.userId === e.articleAuthorId
      ? null
      : { userId: e.articleAuthorId, type: 'favorite', actorId: e.userId, data: { article: { slug: e.articleSlug, title: e.articleTitle } } }),
];
