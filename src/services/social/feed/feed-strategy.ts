import type { Page } from '../data/articles.store.js';

/**
 * How the home feed is assembled. Strategies differ in where the work is
 * done (at read: pull; at write: push; both: hybrid) but all answer the same
 * question: which article ids, newest first, and how many in total.
 */
export interface FeedStrategy {
  readonly name: string;
  page(viewerId: number, page: Page): Promise<{ ids: number[]; total: number }>;
  /** Called after an article is published (push strategies fan out here). */
  onPublished?(articleId: number, authorId: number): Promise<void>;
  onDeleted?(articleId: number, authorId: number): Promise<void>;
  onFollowChanged?(followerId: number, followeeId: number, following: boolean): Promise<void>;
}
