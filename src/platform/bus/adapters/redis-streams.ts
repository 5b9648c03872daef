import type { Redis } from 'ioredis';
import { decode, encode } from '../envelope.js';
import type { Deliver, Envelope } from '../port.js';

/** Where the bus keeps its data in Redis, under the system's prefix (REDIS_PREFIX). */
export interface BusKeys {
  /** A topic's event stream. */
  events(topic: string): string;
  /** A consumer group's private retry stream for a topic. */
  retries(group: string, topic: string): string;
  /** Sorted set of delayed retries (score = due time). */
  delayed: string;
  claim(key: string): string;
  /** BullMQ's prefix for job queues. */
  jobs: string;
}

export function busKeys(prefix: string): BusKeys {
  return {
    events: (topic) => `${prefix}:bus:ev:${topic}`,
    retries: (group, topic) => `${prefix}:bus:rt:${group}:${topic}`,
    delayed: `${prefix}:bus:delayed`,
    claim: (key) => `${prefix}:bus:claim:${key}`,
    jobs: `${prefix}:bus:jobs`,
  };
}

export interface StreamConsumer {
  open(blocking: boolean): Redis;
  redis: Redis;
  keys: BusKeys;
  topic: string;
  group: string;
  consumerId: string;
  deliver: Deliver;
  concurrency: number;
  visibilityMs: number;
}

type Entry = [id: string, fields: string[]];

async function ensureGroup(redis: Redis, stream: string, group: string, from: string): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, group, from, 'MKSTREAM');
  } catch (err) {
    if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
  }
}

/**
 * One subscription's read loop: new entries of the topic stream and of the
 * group's retry stream, plus entries other consumers left pending longer
 * than the visibility timeout (they died before acking). Returns stop().
 */
export async function consumeStream(c: StreamConsumer): Promise<() => Promise<void>> {
  const main = c.keys.events(c.topic);
  const retry = c.keys.retries(c.group, c.topic);
  // '$': a new group sees events published from now on; its retry stream from the start.
  await ensureGroup(c.redis, main, c.group, '$');
  await ensureGroup(c.redis, retry, c.group, '0');
  const reader = c.open(true);
  let stopped = false;
  let active = 0;
  const idle: Array<() => void> = [];

  const handle = async (stream: string, [id, fields]: Entry, reclaimed: boolean) => {
    const envelope = decode(fields[1] ?? '', c.topic);
    if (reclaimed) envelope.attempt += 1;
    try {
      const outcome = await c.deliver(envelope);
      if (outcome.kind === 'retry') {
        const again: Envelope = { ...envelope, attempt: envelope.attempt + (outcome.countAttempt ? 1 : 0) };
        await c.redis.zadd(c.keys.delayed, Date.now() + outcome.delayMs, `${retry}\n${encode(again).toString()}`);
      }
      await c.redis.xack(stream, c.group, id);
    } catch {
      // Left pending: reclaimed after the visibility timeout.
    }
  };
  const run = (stream: string, entry: Entry, reclaimed: boolean) => {
    active++;
    void handle(stream, entry, reclaimed).finally(() => {
      active--;
      idle.shift()?.();
    });
  };

  const readLoop = async () => {
    while (!stopped) {
      while (active >= c.concurrency && !stopped) await new Promise<void>((r) => idle.push(r));
      if (stopped) break;
      try {
        const result = (await reader.xreadgroup('GROUP', c.group, c.consumerId, 'COUNT', c.concurrency - active, 'BLOCK', 500,
          'STREAMS', main, retry, '>', '>')) as Array<[string, Entry[]]> | null;
        for (const [stream, entries] of result ?? []) for (const entry of entries) run(stream, entry, false);
      } catch (err) {
        if (stopped) break;
        // After a broker restart without persistence the group is gone: recreate it and carry on.
        if (String((err as Error).message).includes('NOGROUP')) {
          await ensureGroup(c.redis, main, c.group, '0').catch(() => {});
          await ensureGroup(c.redis, retry, c.group, '0').catch(() => {});
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };

  const reclaim = async () => {
    for (const stream of [main, retry]) {
      try {
        const [, entries] = (await c.redis.xautoclaim(stream, c.group, c.consumerId, c.visibilityMs, '0-0', 'COUNT', 100)) as [string, Entry[]];
        for (const entry of entries) if (entry && entry[1]) run(stream, entry, true);
      } catch {
        // Broker away; try again next round.
      }
    }
  };
  const reclaimer = setInterval(() => void reclaim(), Math.max(100, c.visibilityMs / 2));
  reclaimer.unref();
  const loop = readLoop();

  return async () => {
    stopped = true;
    clearInterval(reclaimer);
    idle.splice(0).forEach((r) => r());
    reader.disconnect();
    await loop;
  };
}
