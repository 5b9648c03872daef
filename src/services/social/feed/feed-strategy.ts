import type { Page } from '../data/articles.store.js';

/**
 * How the home feed is assembled. Strategies differ in where the work is
 * done (at read: pull; at write: push; both: hybrid) but all answer the same
 * question: which article ids, newest first, and how many in total.
 */
export interface FeedStrategy {
  readonly name: string;
  page(viewerId: number, page: Page): Promise<{ ids: number[]; total: number }>;
  /** The follower's set of followed authors changed. */
  onFollowChanged?(followerId: number): Promise<void>;
  /** `authorId` published or deleted an article (what is kept of their newest is stale). Before the write answers. */
  onArticlesChanged?(authorId: number): Promise<void>;
  /** Stops background work (fan-out consumers) and closes connections. */
  close?(): Promise<void>;
}
