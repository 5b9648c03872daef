import type { Config } from '../config/schema.js';
import { redisPrefix } from '../redis/create-redis.js';
import { memoryPubSub } from './memory-pubsub.js';
import type { PubSub } from './port.js';
import { redisPubSub } from './redis-pubsub.js';

/** Redis pub/sub when REDIS_URL is set (every process hears every other), in process otherwise. */
export function openPubSub(config: Config): PubSub {
  return config.REDIS_URL ? redisPubSub(config.REDIS_URL, redisPrefix(config)) : memoryPubSub();
}
