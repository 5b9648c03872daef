import type { Bus } from '../../../platform/bus/port.js';
import type { Config } from '../../../platform/config/schema.js';
import type { Logger } from '../../../platform/log/logger.js';
import type { Metrics } from '../../../platform/metrics/metrics.js';
import type { SwitchBoard } from '../../../platform/switches/switches.js';
import type { ArticlesStore } from '../data/articles.store.js';
import type { FeedStore } from '../data/feed.store.js';
import { startFanout } from './fanout.js';
import { FeedMetrics } from './feed-metrics.js';
import type { FeedStrategy } from './feed-strategy.js';
import type { CelebrityHeads } from './celebrity-heads.js';
import type { FollowedCelebrities } from './followed-celebrities.js';
import { pullFeed } from './pull-feed.js';
import { TimelineFeed } from './timeline-feed.js';
import { openTimelines } from './timelines/open-timelines.js';

export interface FeedDependencies {
  config: Config;
  articles: ArticlesStore;
  feedStore: FeedStore;
  bus: Bus;
  metrics: Metrics;
  logger: Logger;
  /** The console's switches: feed strategy and celebrity threshold change while running. Absent: the config holds. */
  switches?: SwitchBoard | undefined;
  /** Hybrid's "celebrities the viewer follows" from cached sets; absent, a query per read. */
  celebrities?: FollowedCelebrities | undefined;
  /** Hybrid's celebrities' newest articles, cached per celebrity; absent, a merge statement per read. */
  heads?: CelebrityHeads | undefined;
}

/**
 * The one place the feed strategy is read (docs/adr/0007-feed-strategies.md): FEED_STRATEGY and
 * FEED_CELEBRITY_THRESHOLD at start, then the console's switches, read on every page and every
 * fan-out job. Timelines and their fan-out start with the first push/hybrid strategy and keep
 * running after a switch to pull, so switching back finds them current.
 */
export async function openFeed(deps: FeedDependencies): Promise<FeedStrategy> {
  const { config } = deps;
  const current = () => deps.switches?.values() ?? { feedStrategy: config.FEED_STRATEGY, celebrityThreshold: config.FEED_CELEBRITY_THRESHOLD };
  const live = {
    get strategy() {
      return current().feedStrategy;
    },
    get celebrityThreshold() {
      const now = current();
      return now.feedStrategy === 'hybrid' ? now.celebrityThreshold : Infinity;
    },
  };
  const pull = pullFeed(deps.articles);
  let timeline: Promise<FeedStrategy> | undefined;
  const timelineFeed = () => (timeline ??= startTimelineFeed(deps, live));
  if (live.strategy !== 'pull') await timelineFeed();
  return {
    get name() {
      return live.strategy;
    },
    async page(viewerId, page) {
      return live.strategy === 'pull' ? pull.page(viewerId, page) : (await timelineFeed()).page(viewerId, page);
    },
    async onFollowChanged(followerId) {
      await deps.celebrities?.followsChanged();
      if (timeline) await (await timeline).onFollowChanged?.(followerId);
    },
    // Whatever the strategy now: a switch back to hybrid must not find an old head.
    async onArticlesChanged(authorId) {
      await deps.heads?.changed(authorId);
    },
    async close() {
      if (timeline) await (await timeline).close?.();
    },
  };
}

async function startTimelineFeed(deps: FeedDependencies, live: { strategy: string; celebrityThreshold: number }): Promise<FeedStrategy> {
  const { config } = deps;
  const timelines = openTimelines(config);
  const metrics = new FeedMetrics(deps.metrics.registry);
  const feed = new TimelineFeed(
    {
      // The metrics label: 'pull' too while switched to pull (fan-out keeps the timelines current).
      get name() {
        return live.strategy as 'push' | 'hybrid';
      },
      get celebrityThreshold() {
        return live.celebrityThreshold;
      },
      cap: config.FEED_TIMELINE_CAP,
    },
    deps.feedStore,
    timelines,
    metrics,
    deps.logger,
    deps.celebrities,
    deps.heads,
  );
  const fanout = await startFanout(deps.bus, deps.feedStore, timelines, metrics, {
    get strategy() {
      return live.strategy;
    },
    get celebrityThreshold() {
      return live.celebrityThreshold;
    },
    chunk: config.FEED_FANOUT_CHUNK,
    activeDays: config.FEED_INACTIVE_DAYS,
  }, deps.logger);
  feed.close = async () => {
    await fanout.stop();
    await timelines.close();
  };
  return feed;
}
