import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createRedis } from '../../redis/create-redis.js';
import { DependencyBreaker } from '../../resilience/dependency-breaker.js';
import type { Deliver, Subscription, Transport } from '../port.js';
import { createBullJobs } from './redis-jobs.js';
import { encode } from '../envelope.js';
import { busKeys, consumeStream } from './redis-streams.js';

/**
 * Moves due delayed retries into their target stream (trimmed like the
 * topic streams: ARGV[2] is the oldest id kept): one script, so an entry is
 * never both moved and kept, or lost.
 */
const MOVE_DUE = `
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 200)
for _, item in ipairs(items) do
  local sep = string.find(item, '\\n', 1, true)
  redis.call('XADD', string.sub(item, 1, sep - 1), 'MINID', '~', ARGV[2], '*', 'e', string.sub(item, sep + 1))
  redis.call('ZREM', KEYS[1], item)
end
return #items`;

export interface RedisTransportOptions {
  /** REDIS_PREFIX: every key lives under `<prefix>:bus:` (see busKeys). */
  prefix?: string;
}

/** Events older than this are trimmed from the streams unless BUS_URL says otherwise (?retention_ms=). */
export const DEFAULT_STREAM_RETENTION_MS = 86_400_000;

/**
 * Redis: Streams with consumer groups for events (stream <prefix>:bus:ev:<topic>;
 * a group-private retry stream <prefix>:bus:rt:<group>:<topic> fed from the
 * <prefix>:bus:delayed sorted set), BullMQ for jobs. A consumer that dies leaves its
 * entries pending; the others XAUTOCLAIM them after the visibility timeout.
 * Streams are trimmed on every write (XADD MINID ~): entries older than the
 * retention go, acknowledged or not, so the retention must exceed the longest
 * outage of a consumer group; `?maxlen=` caps each stream by length instead.
 * URL options: ?visibility_ms= (30000), ?retention_ms= (86400000), ?maxlen=.
 *
 * While Redis is away, publish and enqueue fail at once (the breaker): the
 * outbox keeps the events and its relay sends them when Redis is back.
 */
export async function createRedisTransport(url: string, options: RedisTransportOptions = {}): Promise<Transport> {
  const parsed = new URL(url);
  const visibilityMs = Number(parsed.searchParams.get('visibility_ms') ?? 30_000);
  const retentionMs = Number(parsed.searchParams.get('retention_ms') ?? DEFAULT_STREAM_RETENTION_MS);
  const maxLen = parsed.searchParams.get('maxlen');
  if (!(retentionMs > 0) || (maxLen !== null && !(Number(maxLen) > 0))) throw new Error('BUS_URL: retention_ms and maxlen must be positive numbers');
  parsed.search = '';
  const redisUrl = parsed.toString();
  const keys = busKeys(options.prefix ?? 'scalestack');
  const open = (blocking = false) =>
    createRedis(redisUrl, { name: blocking ? 'bus-reader' : 'bus', use: blocking ? 'blocking' : 'command' });
  const redis = open();
  const breaker = new DependencyBreaker('redis', 'bus').watch(redis);
  await redis.ping();
  const consumerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const stops = new Set<() => Promise<void>>();
  /** The oldest stream id kept: XADD ... MINID ~ <it>. */
  const oldestKept = () => `${Math.max(0, Date.now() - retentionMs)}-0`;
  const trim = (): (string | number)[] => (maxLen !== null ? ['MAXLEN', '~', Number(maxLen)] : ['MINID', '~', oldestKept()]);

  const mover = setInterval(() => {
    if (breaker.up) redis.eval(MOVE_DUE, 1, keys.delayed, Date.now(), oldestKept()).catch(() => {});
  }, 50);
  mover.unref();

  const jobs = createBullJobs(redisUrl, visibilityMs, keys.jobs, redis);

  const subscribe = async (topic: string, group: string, deliver: Deliver, concurrency: number): Promise<Subscription> => {
    const stop = await consumeStream({ open, redis, keys, topic, group, consumerId, deliver, concurrency, visibilityMs });
    stops.add(stop);
    return {
      stop: async () => {
        stops.delete(stop);
        await stop();
      },
    };
  };

  return {
    kind: 'redis',
    publish: (envelopes) =>
      breaker.execute(async () => {
        const pipeline = redis.multi();
        for (const e of envelopes) pipeline.xadd(keys.events(e.topic), ...trim(), '*', 'e', encode(e));
        const results = await pipeline.exec();
        const failed = results?.find(([err]) => err);
        if (!results || failed) throw failed?.[0] ?? new Error('Redis: publish transaction aborted');
      }),
    consume: (topic, group, deliver, { concurrency }) => subscribe(topic, group, deliver, concurrency),
    enqueue: (queue, envelope) => breaker.execute(() => jobs.enqueue(queue, envelope)),
    work: async (queue, deliver, { concurrency }) => {
      const stop = await jobs.work(queue, deliver, concurrency);
      stops.add(stop);
      return { stop: async () => { stops.delete(stop); await stop(); } };
    },
    // run_id changes on every restart; without AOF fsync always, a restart may have dropped acknowledged entries.
    epoch: () => breaker.execute(async () => /run_id:(\w+)/.exec(await redis.info('server'))?.[1] ?? 'unknown'),
    claim: async (key, ttlMs) => (await redis.set(keys.claim(key), '1', 'PX', ttlMs, 'NX')) === 'OK',
    close: async () => {
      clearInterval(mover);
      breaker.close();
      await Promise.all([...stops].map((s) => s()));
      stops.clear();
      await jobs.close();
      redis.disconnect();
    },
  };
}
