import type { Config } from '../../../platform/config/schema.js';
import type { ArticlesStore } from '../data/articles.store.js';
import type { FeedStrategy } from './feed-strategy.js';
import { pullFeed } from './pull-feed.js';

/** The one place FEED_STRATEGY is read. Push and hybrid arrive with the feed issue. */
export function chooseFeed(strategy: Config['FEED_STRATEGY'], articles: ArticlesStore): FeedStrategy {
  switch (strategy) {
    case 'pull':
      return pullFeed(articles);
  }
}
