import type { ClickEvent } from '../domain/click.js';

export type Bucket = 'hour' | 'day';

export interface ClickStats {
  /** Buckets with at least one click, oldest first; `t` is the bucket's start (epoch ms, UTC). */
  series: { t: number; clicks: number }[];
  /** Up to 10 referrer hosts by clicks ('' = direct). */
  topReferrers: { host: string; clicks: number }[];
  total: number;
}

/**
 * The analytics (OLAP) store of click events: appended in batches, asked
 * for aggregates over a time range. Recent events live in the hot store;
 * days moved to the archive (Parquet) are read from there, in the same query.
 */
export interface ClickStore {
  append(events: readonly ClickEvent[]): Promise<void>;
  /** `from` inclusive, `to` exclusive, epoch ms. */
  stats(code: string, from: number, to: number, bucket: Bucket): Promise<ClickStats>;
  /** Hot-store days (UTC, `YYYY-MM-DD`) with events before `before` (epoch ms, a day boundary). */
  hotDaysBefore(before: number): Promise<string[]>;
  /** Moves one day's events from the hot store to its archive file (merged with what it holds); returns the events moved. */
  archiveDay(day: string): Promise<number>;
  /** Brings an archived day back into the hot store and removes its archive file; returns the events restored. */
  restoreDay(day: string): Promise<number>;
  /** Events in the hot store (all codes). */
  hotCount(): Promise<number>;
  close(): Promise<void>;
}
