import { Counter, Histogram, type Registry } from 'prom-client';

/** What the feed reports: fan-out lag and cost, and what a hybrid read merges. */
export class FeedMetrics {
  readonly fanoutLag: Histogram<'strategy'>;
  readonly chunkLag: Histogram<'strategy'>;
  readonly timelineWrites: Counter<'strategy'>;
  readonly writesPerPost: Histogram<'strategy'>;
  readonly fanoutSkipped: Counter<'strategy'>;
  readonly rebuilds: Counter<'strategy'>;
  readonly merged: Histogram<'strategy'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.fanoutLag = new Histogram({
      name: 'feed_fanout_lag_seconds',
      help: 'From an article being published to the last of its followers timelines holding it',
      labelNames: ['strategy'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    // Per chunk, so a benchmark sees every delivery (and can count the chunks not yet delivered) instead of one sample per finished chain.
    this.chunkLag = new Histogram({
      name: 'feed_fanout_chunk_lag_seconds',
      help: 'From an article being published to one fan-out chunk of its followers timelines holding it (one sample per chunk)',
      labelNames: ['strategy'],
      buckets: [0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 0.75, 1, 1.5, 2.5, 5, 7.5, 10, 15, 30, 60],
      registers,
    });
    this.timelineWrites = new Counter({ name: 'feed_timeline_writes_total', help: 'Timeline entries written by fan-out', labelNames: ['strategy'], registers });
    this.writesPerPost = new Histogram({
      name: 'feed_timeline_writes_per_post',
      help: 'Timelines one post was written to',
      labelNames: ['strategy'],
      buckets: [0, 1, 10, 100, 1000, 5000, 10_000, 50_000, 100_000],
      registers,
    });
    this.fanoutSkipped = new Counter({ name: 'feed_fanout_skipped_total', help: 'Posts not fanned out because their author is over the celebrity threshold', labelNames: ['strategy'], registers });
    this.rebuilds = new Counter({ name: 'feed_timeline_rebuilds_total', help: 'Timelines rebuilt from Postgres on read (missing, expired or evicted)', labelNames: ['strategy'], registers });
    this.merged = new Histogram({
      name: 'feed_read_merged_articles',
      help: 'Articles of followed celebrities merged into one hybrid read',
      labelNames: ['strategy'],
      buckets: [0, 1, 5, 10, 20, 50, 100, 200, 500, 800],
      registers,
    });
  }
}
