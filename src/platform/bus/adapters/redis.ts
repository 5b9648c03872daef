import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Deliver, Subscription, Transport } from '../port.js';
import { createBullJobs } from './redis-jobs.js';
import { encode } from '../envelope.js';
import { consumeStream } from './redis-streams.js';

/** Moves due delayed retries into their target stream: one script, so an entry is never both moved and kept, or lost. */
const MOVE_DUE = `
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 200)
for _, item in ipairs(items) do
  local sep = string.find(item, '\\n', 1, true)
  redis.call('XADD', string.sub(item, 1, sep - 1), '*', 'e', string.sub(item, sep + 1))
  redis.call('ZREM', KEYS[1], item)
end
return #items`;
import { DELAYED_KEY } from './redis-streams.js';

/**
 * Redis: Streams with consumer groups for events (stream ss:ev:<topic>;
 * a group-private retry stream ss:rt:<group>:<topic> fed from the
 * ss:delayed sorted set), BullMQ for jobs. A consumer that dies leaves its
 * entries pending; the others XAUTOCLAIM them after the visibility timeout.
 * URL options: ?visibility_ms= (30000).
 */
export async function createRedisTransport(url: string): Promise<Transport> {
  const parsed = new URL(url);
  const visibilityMs = Number(parsed.searchParams.get('visibility_ms') ?? 30_000);
  parsed.search = '';
  const redisUrl = parsed.toString();
  const open = (blocking = false) => {
    const r = new Redis(redisUrl, { maxRetriesPerRequest: blocking ? null : 20, retryStrategy: (n) => Math.min(n * 100, 1000), lazyConnect: false });
    r.on('error', () => {});
    return r;
  };
  const redis = open();
  await redis.ping();
  const consumerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const stops = new Set<() => Promise<void>>();

  const mover = setInterval(() => {
    redis.eval(MOVE_DUE, 1, DELAYED_KEY, Date.now()).catch(() => {});
  }, 50);
  mover.unref();

  const jobs = createBullJobs(redisUrl, visibilityMs);

  const subscribe = async (topic: string, group: string, deliver: Deliver, concurrency: number): Promise<Subscription> => {
    const stop = await consumeStream({ open, redis, topic, group, consumerId, deliver, concurrency, visibilityMs });
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
    publish: async (envelopes) => {
      const pipeline = redis.multi();
      for (const e of envelopes) pipeline.xadd(`ss:ev:${e.topic}`, '*', 'e', encode(e));
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err);
      if (!results || failed) throw failed?.[0] ?? new Error('Redis: publish transaction aborted');
    },
    consume: (topic, group, deliver, { concurrency }) => subscribe(topic, group, deliver, concurrency),
    enqueue: (queue, envelope) => jobs.enqueue(queue, envelope),
    work: async (queue, deliver, { concurrency }) => {
      const stop = await jobs.work(queue, deliver, concurrency);
      stops.add(stop);
      return { stop: async () => { stops.delete(stop); await stop(); } };
    },
    // run_id changes on every restart; without AOF fsync always, a restart may have dropped acknowledged entries.
    epoch: async () => /run_id:(\w+)/.exec(await redis.info('server'))?.[1] ?? 'unknown',
    claim: async (key, ttlMs) => (await redis.set(`ss:claim:${key}`, '1', 'PX', ttlMs, 'NX')) === 'OK',
    close: async () => {
      clearInterval(mover);
      await Promise.all([...stops].map((s) => s()));
      stops.clear();
      await jobs.close();
      redis.disconnect();
    },
  };
}
