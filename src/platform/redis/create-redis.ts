import { createRequire } from 'node:module';
import type * as IORedis from 'ioredis';
import type { Redis, RedisOptions } from 'ioredis';
import { coalesceWrites } from './coalesce-writes.js';

// ioredis (a CommonJS package) is required with the first client: the embedded process, which has no
// REDIS_URL, never loads it (its modules hold ~2 MB of heap and more of compiled code).
const requireFromHere = createRequire(import.meta.url);
let redisClass: typeof Redis | undefined;
function ioredis(): typeof Redis {
  return (redisClass ??= (requireFromHere('ioredis') as typeof IORedis).Redis);
}

/**
 * How a client is used decides how it must behave while Redis is away:
 * - `command` (cache L2, timelines, rate-limit counters, discovery, bus
 *   publishes): fail at once, so the caller's fallback answers in
 *   milliseconds (Postgres, the in-memory insurance, the outbox). A breaker
 *   (src/platform/resilience/dependency-breaker.ts) sits in front.
 * - `subscriber` (pub/sub): the same, except that it waits for its first
 *   connection, so a SUBSCRIBE sent at start-up is not lost; ioredis then
 *   re-subscribes by itself after every reconnect.
 * - `blocking` (BullMQ's connections, blocking stream reads): commands wait
 *   for the connection (BullMQ requires `maxRetriesPerRequest: null`), and
 *   no command timeout, since a blocking read legitimately waits.
 * A `command` client also sends the commands of one tick in one socket write
 * (coalesce-writes.ts): a cache batch's lookups or stores leave together.
 */
export type RedisUse = 'command' | 'subscriber' | 'blocking';

/**
 * The settings every client shares, and why:
 * - connectTimeout 1 s: a local or same-zone Redis connects in a millisecond;
 *   longer only delays noticing that it is gone.
 * - commandTimeout 1 s (command): a server that accepts the
 *   connection but does not answer (paused, swapping) counts as down, and the
 *   breaker opens after a few such timeouts.
 * - subscriberCommandTimeout 10 s: a subscriber's commands (SUBSCRIBE at
 *   start-up) are on no request's path, and a loaded machine can take more
 *   than 1 s to confirm one; the start-up SUBSCRIBE of a process then failed
 *   ("Command timed out") although Redis was there.
 * - maxRetriesPerRequest 0: a command is never replayed after a reconnect;
 *   the caller's fallback already answered.
 * - offline queue off once connected: while reconnecting a command fails at
 *   once instead of waiting. Before the first connection it queues, so what a
 *   component sends during start-up is not refused.
 * - reconnect every 50 ms doubling to 500 ms: after a restart the client is
 *   back within half a second.
 * - not lazy: connecting starts at once, so a misconfigured URL shows at start.
 */
export const REDIS_DEFAULTS = {
  connectTimeout: 1_000,
  commandTimeout: 1_000,
  subscriberCommandTimeout: 10_000,
  maxRetriesPerRequest: 0,
  reconnectFirstMs: 50,
  reconnectMaxMs: 500,
} as const;

export interface CreateRedisOptions {
  use?: RedisUse;
  /** Shown by CLIENT LIST (`scalestack:<name>`), to tell connections apart on the server. */
  name: string;
  /** Per-use settings on top of the defaults (they win). */
  overrides?: Partial<RedisOptions>;
}

export function reconnectDelay(attempt: number): number {
  return Math.min(REDIS_DEFAULTS.reconnectFirstMs * 2 ** Math.max(0, attempt - 1), REDIS_DEFAULTS.reconnectMaxMs);
}

/** The one place a Redis client is built (every client the system opens comes from here). */
export function createRedis(url: string, options: CreateRedisOptions): Redis {
  const use = options.use ?? 'command';
  const blocking = use === 'blocking';
  const RedisClient = ioredis();
  const client = new RedisClient(url, {
    connectionName: `scalestack:${options.name}`,
    connectTimeout: REDIS_DEFAULTS.connectTimeout,
    ...(blocking ? {} : { commandTimeout: use === 'subscriber' ? REDIS_DEFAULTS.subscriberCommandTimeout : REDIS_DEFAULTS.commandTimeout }),
    maxRetriesPerRequest: blocking ? null : REDIS_DEFAULTS.maxRetriesPerRequest,
    enableOfflineQueue: true,
    retryStrategy: reconnectDelay,
    lazyConnect: false,
    ...options.overrides,
  });
  // Errors reach callers as failed commands and the breaker as a lost connection; logging each retry would flood.
  client.on('error', () => {});
  if (!blocking && options.overrides?.enableOfflineQueue === undefined) {
    // ioredis reads this option on every command, so turning it off once connected takes effect at once.
    client.once('ready', () => {
      client.options.enableOfflineQueue = false;
    });
  }
  if (use === 'command') coalesceWrites(client);
  // Duplicates come from here too: bentocache's bus duplicates the connection it is given into a publisher and a subscriber.
  client.duplicate = (override?: Partial<RedisOptions>) =>
    createRedis(url, { use, name: options.name, overrides: { ...options.overrides, ...override } });
  return client;
}

/** Key prefix for everything the system writes in Redis: REDIS_PREFIX, else CACHE_PREFIX (its older name). */
export function redisPrefix(config: { REDIS_PREFIX?: string | undefined; CACHE_PREFIX: string }): string {
  return config.REDIS_PREFIX ?? config.CACHE_PREFIX;
}
