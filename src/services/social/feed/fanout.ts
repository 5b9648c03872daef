import { Type, type Static } from '@sinclair/typebox';
import type { Bus, Delivery } from '../../../platform/bus/port.js';
import type { Logger } from '../../../platform/log/logger.js';
import type { FeedStore } from '../data/feed.store.js';
import { ARTICLE_DELETED, ARTICLE_PUBLISHED, ArticleEvent } from '../domain/article-events.js';
import type { FeedMetrics } from './feed-metrics.js';
import type { TimelineStore } from './timelines/timeline-store.js';

const FANOUT_QUEUE = 'social.feed.fanout';
const GROUP = 'social-feed-fanout';

const FanoutJob = Type.Composite([
  ArticleEvent,
  Type.Object({
    op: Type.Union([Type.Literal('add'), Type.Literal('remove')]),
    /** Followers are paged in id order; this chunk starts after this id. */
    afterFollowerId: Type.Integer({ minimum: 0 }),
    /** Timelines written by the chunks before this one (for the per-post metric). */
    written: Type.Integer({ minimum: 0 }),
  }),
]);
export type FanoutJob = Static<typeof FanoutJob>;

export interface FanoutSettings {
  strategy: string;
  /** Authors at or over it are not fanned out (Infinity: everyone is). */
  celebrityThreshold: number;
  chunk: number;
  activeDays: number;
}

/**
 * Fan-out on write, off the request path: the published event (from the
 * outbox) becomes a chain of jobs, one per chunk of followers, each writing
 * the article into the timelines of active followers that have one. Jobs
 * are idempotent (a timeline holds an article once), so a redelivery is
 * harmless. Deletions walk every follower, active or not.
 */
export async function startFanout(bus: Bus, store: FeedStore, timelines: TimelineStore, metrics: FeedMetrics, settings: FanoutSettings, logger: Logger) {
  const strategy = { strategy: settings.strategy };

  const begin = (op: FanoutJob['op']) => async ({ id, payload }: Delivery<ArticleEvent>) => {
    if (op === 'add' && (await store.followersCount(payload.authorId)) >= settings.celebrityThreshold) {
      metrics.fanoutSkipped.inc(strategy);
      return;
    }
    await bus.enqueue<FanoutJob>(FANOUT_QUEUE, { ...payload, op, afterFollowerId: 0, written: 0 }, { id: `${id}:0` });
  };

  const chunk = async ({ payload: job }: Delivery<FanoutJob>) => {
    const { followers, written } = await writeChunk(store, timelines, job, settings);
    metrics.timelineWrites.inc(strategy, written);
    if (job.op === 'add' && followers.length > 0) metrics.chunkLag.observe(strategy, Math.max(0, Date.now() - job.publishedAt) / 1000);

    const last = followers.at(-1);
    if (followers.length === settings.chunk && last !== undefined) {
      await bus.enqueue<FanoutJob>(FANOUT_QUEUE, { ...job, afterFollowerId: last, written: job.written + written }, { id: `${job.articleId}:${job.op}:${last}` });
    } else if (job.op === 'add') {
      metrics.fanoutLag.observe(strategy, Math.max(0, Date.now() - job.publishedAt) / 1000);
      metrics.writesPerPost.observe(strategy, job.written + written);
    }
  };

  const subscriptions = [
    await bus.subscribe<ArticleEvent>(ARTICLE_PUBLISHED, GROUP, begin('add'), { schema: ArticleEvent }),
    await bus.subscribe<ArticleEvent>(ARTICLE_DELETED, GROUP, begin('remove'), { schema: ArticleEvent }),
    await bus.process<FanoutJob>(FANOUT_QUEUE, chunk, { schema: FanoutJob, concurrency: 4 }),
  ];
  logger.info({ strategy: settings.strategy, celebrityThreshold: settings.celebrityThreshold }, 'feed fan-out consuming');
  return { stop: () => Promise.all(subscriptions.map((s) => s.stop())).then(() => undefined) };
}

/**
 * One chunk's timeline writes: the article into the timelines of the chunk's active followers (those that have
 * one), or out of every follower's. Returns the chunk's followers and how many timelines took the article.
 *
 * A chunk's followers were read before its writes, and either can be out of date by then:
 * - Chunks run four at a time in any order, so a deleted article's removal can run before one of its additions,
 *   and that addition would keep it in those timelines for good (counted in articlesCount, though never shown).
 * - A follower who unfollows meanwhile has their timeline dropped, and a read right after rebuilds it from
 *   Postgres without the author; a write landing after that rebuild would keep the author's article there.
 * An addition therefore writes only while the article exists (the followers query checks it), and looks again
 * after its writes: it takes the article back from every follower if the article is gone, and from those who no
 * longer follow its author. Whatever changes after that look runs its own removal or drop after these writes.
 */
export async function writeChunk(
  store: FeedStore,
  timelines: TimelineStore,
  job: FanoutJob,
  settings: Pick<FanoutSettings, 'chunk' | 'activeDays'>,
): Promise<{ followers: number[]; written: number }> {
  const entry = { articleId: job.articleId, authorId: job.authorId, score: job.publishedAt };
  if (job.op === 'remove') {
    // Removals reach every follower, whatever their activity.
    const followers = await store.followers(job.authorId, job.afterFollowerId, settings.chunk);
    await timelines.remove(followers, entry);
    return { followers, written: 0 };
  }
  const followers = await store.followers(job.authorId, job.afterFollowerId, settings.chunk, settings.activeDays, job.articleId);
  const written = await timelines.push(followers, entry);
  if (written === 0) return { followers, written };
  const taken = await store.outOfReach(job.articleId, job.authorId, followers);
  if (taken.length > 0) await timelines.remove(taken, entry);
  // Which of them had a timeline is not known: counted as if each one had taken the write.
  return { followers, written: Math.max(0, written - taken.length) };
}
