import type { Page } from '../data/articles.store.js';

/** One article of a feed page and who wrote it: the reader's page loads the authors' profiles beside the articles. */
export interface FeedEntry {
  articleId: number;
  authorId: number;
}

/**
 * How the home feed is assembled. Strategies differ in where the work is
 * done (at read: pull; at write: push; both: hybrid) but all answer the same
 * question: which articles (with their authors), newest first, and how many in total.
 */
export interface FeedStrategy {
  readonly name: string;
  page(viewerId: number, page: Page): Promise<{ entries: FeedEntry[]; total: number }>;
  /** The follower's set of followed authors changed. */
  onFollowChanged?(followerId: number): Promise<void>;
  /** `authorId` published or deleted an article (what is kept of their newest is stale). Before the write answers. */
  onArticlesChanged?(authorId: number): Promise<void>;
  /** Stops background work (fan-out consumers) and closes connections. */
  close?(): Promise<void>;
}
