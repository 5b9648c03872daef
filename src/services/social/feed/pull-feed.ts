import type { ArticlesStore } from '../data/articles.store.js';
import type { FeedStrategy } from './feed-strategy.js';

/** Fan-out on read: one indexed query over the followed authors' articles at read time. Nothing to do at write. */
export function pullFeed(articles: ArticlesStore): FeedStrategy {
  return {
    name: 'pull',
    page: (viewerId, page) => articles.findIds({ authorsFollowedBy: viewerId }, page),
  };
}
