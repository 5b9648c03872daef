import type { Bus } from '../../../platform/bus/port.js';
import type { Config } from '../../../platform/config/schema.js';
import type { Logger } from '../../../platform/log/logger.js';
import type { Metrics } from '../../../platform/metrics/metrics.js';
import type { ArticlesStore } from '../data/articles.store.js';
import type { FeedStore } from '../data/feed.store.js';
import { startFanout } from './fanout.js';
import { FeedMetrics } from './feed-metrics.js';
import type { FeedStrategy } from './feed-strategy.js';
import { pullFeed } from './pull-feed.js';
import { TimelineFeed } from './timeline-feed.js';
import { chooseTimelines } from './timelines/choose-timelines.js';

export interface FeedDependencies {
  config: Config;
  articles: ArticlesStore;
  feedStore: FeedStore;
  bus: Bus;
  metrics: Metrics;
  logger: Logger;
}

/** The one place FEED_STRATEGY is read (docs/adr/0007-feed-strategies.md). */
export async function chooseFeed(deps: FeedDependencies): Promise<FeedStrategy> {
  const { config } = deps;
  if (config.FEED_STRATEGY === 'pull') return pullFeed(deps.articles);

  const celebrityThreshold = config.FEED_STRATEGY === 'hybrid' ? config.FEED_CELEBRITY_THRESHOLD : Infinity;
  const timelines = chooseTimelines(config);
  const metrics = new FeedMetrics(deps.metrics.registry);
  const feed = new TimelineFeed({ name: config.FEED_STRATEGY, celebrityThreshold, cap: config.FEED_TIMELINE_CAP }, deps.feedStore, timelines, metrics, deps.logger);
  const fanout = await startFanout(deps.bus, deps.feedStore, timelines, metrics, {
    strategy: config.FEED_STRATEGY,
    celebrityThreshold,
    chunk: config.FEED_FANOUT_CHUNK,
    activeDays: config.FEED_INACTIVE_DAYS,
  }, deps.logger);
  feed.close = async () => {
    await fanout.stop();
    await timelines.close();
  };
  return feed;
}
