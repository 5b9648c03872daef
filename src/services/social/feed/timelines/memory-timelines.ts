import { LRUCache } from 'lru-cache';
import { newestFirst, type TimelineEntry, type TimelineSettings, type TimelineStore } from './timeline-store.js';

export interface MemoryTimelineStore extends TimelineStore {
  /** Timelines held now (expired ones purged first). */
  size(): number;
  /** Entries held across every timeline. */
  entriesHeld(): number;
}

/**
 * Timelines in this process (the embedded default), with the Redis store's
 * semantics for one process, and bounded like Redis is:
 * - each timeline keeps the newest `cap` entries (enforced on every write);
 * - a timeline not read for `lifetimeMs` is gone (Redis: the TTL renewed on
 *   read); fan-out does not renew it;
 * - at most `maxTimelines` are kept: past that the least recently read one
 *   is evicted (Redis: maxmemory with an LRU policy). An evicted timeline is
 *   absent, so it gets no fan-out and is rebuilt from Postgres on its next read.
 * Memory is thus bounded by maxTimelines × cap entries.
 */
export function memoryTimelines(settings: TimelineSettings, now: () => number = Date.now): MemoryTimelineStore {
  const timelines = new LRUCache<number, { entries: TimelineEntry[] }>({
    max: settings.maxTimelines ?? 10_000,
    ttl: settings.lifetimeMs,
    ttlResolution: 0,
    perf: { now },
  });
  /** Without touching recency or lifetime (fan-out is not activity). */
  const peek = (userId: number) => timelines.peek(userId);
  const insert = (entries: TimelineEntry[], entry: TimelineEntry) => {
    if (entries.some((e) => e.articleId === entry.articleId)) return;
    entries.push(entry);
    entries.sort(newestFirst);
    if (entries.length > settings.cap) entries.length = settings.cap;
  };
  return {
    push: async (userIds, entry) => {
      let written = 0;
      for (const userId of userIds) {
        const timeline = peek(userId);
        if (!timeline) continue;
        insert(timeline.entries, entry);
        written++;
      }
      return written;
    },
    remove: async (userIds, entry) => {
      for (const userId of userIds) {
        const timeline = peek(userId);
        if (timeline) timeline.entries = timeline.entries.filter((e) => e.articleId !== entry.articleId);
      }
    },
    read: async (userId, limit = Infinity) => {
      const timeline = timelines.get(userId, { updateAgeOnGet: true });
      return timeline ? { entries: timeline.entries.slice(0, limit), size: timeline.entries.length } : null;
    },
    // Like Redis' EXPIRE on open and fill: the lifetime starts again.
    open: async (userId) => {
      timelines.set(userId, peek(userId) ?? { entries: [] });
    },
    // One merge, not `insert` per entry: a rebuild fills up to `cap` entries, and a sort per entry made that
    // O(cap² log cap), ~3 ms of CPU per rebuilt timeline at the default cap of 800 (a quarter of a cache-off feed run).
    fill: async (userId, entries) => {
      const timeline = peek(userId) ?? { entries: [] };
      const held = new Set(timeline.entries.map((e) => e.articleId));
      const added = entries.filter((e) => !held.has(e.articleId) && held.add(e.articleId));
      if (added.length > 0) timeline.entries = [...timeline.entries, ...added].sort(newestFirst).slice(0, settings.cap);
      timelines.set(userId, timeline);
    },
    drop: async (userId) => {
      timelines.delete(userId);
    },
    close: async () => {
      timelines.clear();
    },
    size: () => {
      timelines.purgeStale();
      return timelines.size;
    },
    entriesHeld: () => {
      let held = 0;
      for (const timeline of timelines.values()) held += timeline.entries.length;
      return held;
    },
  };
}
