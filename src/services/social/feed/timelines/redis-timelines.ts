import type { Redis, Result } from 'ioredis';
import type { TimelineEntry, TimelineSettings, TimelineStore } from './timeline-store.js';

/**
 * Timelines as Redis sorted sets: score = publish time, member =
 * "<article id, zero-padded>:<author id>" (padding makes Redis's
 * lexicographic tie-break match the numeric id order). A "built" member
 * scored +inf marks the timeline as existing even when empty and is never
 * trimmed. One Lua call writes a fan-out chunk, only into timelines that
 * exist, and one reads a timeline's head. (Keys of a chunk are sent together:
 * on Redis Cluster, hash-tag them.)
 */
const BUILT = 'built';

/**
 * A read: the head (to index ARGV[1], -1 for all), the size, and a renewed lifetime, in one command. It was a
 * MULTI of three (five commands on the wire): ~25 KB of client allocation per feed read, the largest share of
 * a feed read's own (heap sampling while the feed bench's top author posts, 2026-12-03).
 */
const READ = `
local head = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[1]), 'WITHSCORES')
local size = redis.call('ZCARD', KEYS[1])
if size > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return {size, head}`;

const PUSH = `
local written = 0
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZADD', key, ARGV[1], ARGV[2])
    redis.call('ZREMRANGEBYRANK', key, 0, -(tonumber(ARGV[3]) + 2))
    written = written + 1
  end
end
return written`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** READ above: [size, head (member, score, ...)]. */
    timelineRead(key: string, last: number, ttlSeconds: number): Result<[number, string[]], Context>;
    /** PUSH above, into `keyCount` timelines: how many existed and were written. */
    timelinePush(keyCount: number, ...keysThenArgs: (string | number)[]): Result<number, Context>;
  }
}

export function redisTimelines(redis: Redis, prefix: string, settings: TimelineSettings): TimelineStore {
  // Sent as EVALSHA; ioredis loads a script when Redis does not have it (first use, or after a restart).
  redis.defineCommand('timelineRead', { numberOfKeys: 1, lua: READ });
  redis.defineCommand('timelinePush', { lua: PUSH });
  const key = (userId: number) => `${prefix}:timeline:${userId}`;
  const member = (e: TimelineEntry) => `${String(e.articleId).padStart(16, '0')}:${e.authorId}`;
  const ttl = Math.ceil(settings.lifetimeMs / 1000);
  const trim = (k: string) => redis.zremrangebyrank(k, 0, -(settings.cap + 2));
  const pipelineOk = (results: [Error | null, unknown][] | null) => {
    const failed = results?.find(([err]) => err);
    if (failed) throw failed[0];
  };

  return {
    push: async (userIds, entry) => {
      if (userIds.length === 0) return 0;
      return redis.timelinePush(userIds.length, ...userIds.map(key), entry.score, member(entry), settings.cap);
    },
    remove: async (userIds, entry) => {
      if (userIds.length === 0) return;
      const pipeline = redis.pipeline();
      for (const userId of userIds) pipeline.zrem(key(userId), member(entry));
      pipelineOk(await pipeline.exec());
    },
    // The head only (ZREVRANGE to `limit`, the +inf marker ranked first) and ZCARD for the size: a page reads
    // ~20 members where the whole timeline is up to FEED_TIMELINE_CAP (800) of them to send and parse.
    read: async (userId, limit = Infinity) => {
      const last = Number.isFinite(limit) ? Math.max(0, limit) : -1;
      const [card, raw] = await redis.timelineRead(key(userId), last, ttl);
      if (card === 0) return null;
      const entries: TimelineEntry[] = [];
      let built = 0;
      for (let i = 0; i < raw.length; i += 2) {
        const m = raw[i]!;
        if (m === BUILT) {
          built = 1;
          continue;
        }
        const colon = m.indexOf(':');
        entries.push({ articleId: Number(m.slice(0, colon)), authorId: Number(m.slice(colon + 1)), score: Number(raw[i + 1]) });
      }
      return { entries: entries.slice(0, limit), size: card - built };
    },
    open: async (userId) => {
      const k = key(userId);
      pipelineOk(await redis.multi().zadd(k, 'NX', '+inf', BUILT).expire(k, ttl).exec());
    },
    fill: async (userId, entries) => {
      const k = key(userId);
      const multi = redis.multi().zadd(k, 'NX', '+inf', BUILT);
      if (entries.length > 0) multi.zadd(k, ...entries.flatMap((e) => [e.score, member(e)]));
      pipelineOk(await multi.expire(k, ttl).exec());
      await trim(k);
    },
    drop: async (userId) => {
      await redis.del(key(userId));
    },
    close: async () => {},
  };
}
