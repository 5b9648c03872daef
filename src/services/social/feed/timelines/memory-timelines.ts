import { newestFirst, type TimelineEntry, type TimelineSettings, type TimelineStore } from './timeline-store.js';

/** Timelines in this process (the embedded default): the same semantics as Redis, for one process. */
export function memoryTimelines(settings: TimelineSettings, now: () => number = Date.now): TimelineStore {
  const timelines = new Map<number, { entries: TimelineEntry[]; expiresAt: number }>();
  const live = (userId: number) => {
    const timeline = timelines.get(userId);
    if (timeline && timeline.expiresAt <= now()) timelines.delete(userId);
    return timelines.get(userId);
  };
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
        const timeline = live(userId);
        if (!timeline) continue;
        insert(timeline.entries, entry);
        written++;
      }
      return written;
    },
    remove: async (userIds, entry) => {
      for (const userId of userIds) {
        const timeline = live(userId);
        if (timeline) timeline.entries = timeline.entries.filter((e) => e.articleId !== entry.articleId);
      }
    },
    read: async (userId) => {
      const timeline = live(userId);
      if (!timeline) return null;
      timeline.expiresAt = now() + settings.lifetimeMs;
      return [...timeline.entries];
    },
    open: async (userId) => {
      if (!live(userId)) timelines.set(userId, { entries: [], expiresAt: now() + settings.lifetimeMs });
    },
    fill: async (userId, entries) => {
      const timeline = live(userId) ?? { entries: [], expiresAt: now() + settings.lifetimeMs };
      timelines.set(userId, timeline);
      for (const entry of entries) insert(timeline.entries, entry);
    },
    drop: async (userId) => {
      timelines.delete(userId);
    },
    close: async () => {
      timelines.clear();
    },
  };
}
