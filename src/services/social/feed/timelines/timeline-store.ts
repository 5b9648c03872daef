/** One article in a follower's timeline. `score` is its publish time (epoch ms); ties break on the id. */
export interface TimelineEntry {
  articleId: number;
  authorId: number;
  score: number;
}

/**
 * Per-user home timelines, newest first, capped. A timeline that does not
 * exist is different from an empty one: absent means "never built, expired
 * through inactivity, or evicted" and is rebuilt from Postgres on read;
 * fan-out writes only into timelines that exist.
 */
export interface TimelineStore {
  /** Adds the entry to each existing timeline among `userIds`; returns how many timelines it was written to. */
  push(userIds: readonly number[], entry: TimelineEntry): Promise<number>;
  /** Removes the article from each of the timelines (deleted article). */
  remove(userIds: readonly number[], entry: TimelineEntry): Promise<void>;
  /**
   * The newest `limit` entries (all of them without a limit), newest first, and how many the timeline holds;
   * null when it does not exist. Reading counts as activity (renews its lifetime).
   */
  read(userId: number, limit?: number): Promise<TimelineWindow | null>;
  /** Creates an empty timeline (existing, so fan-outs start landing in it) unless it exists. */
  open(userId: number): Promise<void>;
  /** Merges entries into the timeline and trims it to the cap. */
  fill(userId: number, entries: readonly TimelineEntry[]): Promise<void>;
  drop(userId: number): Promise<void>;
  close(): Promise<void>;
}

/** The head of a timeline: a feed page needs its newest entries and its length, not every entry it holds. */
export interface TimelineWindow {
  entries: TimelineEntry[];
  /** Entries the timeline holds, `entries` included. */
  size: number;
}

export interface TimelineSettings {
  cap: number;
  /** A timeline not read for this long disappears (its owner is inactive). */
  lifetimeMs: number;
  /** In-process store only: timelines kept at most, least recently read evicted first (Redis: its maxmemory policy). */
  maxTimelines?: number;
}

/** Newest first; the article id breaks ties, like the SQL order (created_at desc, id desc). */
export function newestFirst(a: TimelineEntry, b: TimelineEntry): number {
  return b.score - a.score || b.articleId - a.articleId;
}
