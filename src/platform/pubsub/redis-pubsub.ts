import type { Redis } from 'ioredis';
import { createRedis } from '../redis/create-redis.js';
import type { PubSub } from './port.js';

/**
 * Redis PUBLISH/SUBSCRIBE between processes, channels under the system's
 * REDIS_PREFIX (so two systems on one Redis never hear each other). One
 * subscriber connection per process whatever the number of channels.
 */
export function redisPubSub(url: string, prefix: string): PubSub {
  const publisher: Redis = createRedis(url, { name: 'pubsub-pub' });
  const subscriber: Redis = createRedis(url, { name: 'pubsub-sub', use: 'subscriber' });
  const listeners = new Map<string, Set<(message: string) => void>>();
  const full = (channel: string) => `${prefix}:pubsub:${channel}`;
  subscriber.on('message', (channel: string, message: string) => {
    for (const listener of listeners.get(channel) ?? []) listener(message);
  });
  return {
    kind: 'redis',
    publish: async (channel, message) => void (await publisher.publish(full(channel), message)),
    subscribe: async (channel, listener) => {
      const name = full(channel);
      let set = listeners.get(name);
      if (!set) {
        listeners.set(name, (set = new Set()));
        await subscriber.subscribe(name);
      }
      set.add(listener);
      return async () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(name) === set) {
          listeners.delete(name);
          await subscriber.unsubscribe(name).catch(() => {});
        }
      };
    },
    close: async () => {
      listeners.clear();
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
