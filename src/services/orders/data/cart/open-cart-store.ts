import type { Config } from '../../../../platform/config/schema.js';
import { createRedis, redisPrefix } from '../../../../platform/redis/create-redis.js';
import type { CartStore } from './cart-store.js';
import { MemoryCartStore } from './memory-cart-store.js';
import { RedisCartStore } from './redis-cart-store.js';

/** Redis when REDIS_URL is set (shared by replicas), else in this process. */
export function openCartStore(config: Config): CartStore {
  if (!config.REDIS_URL) return new MemoryCartStore(config.CART_TTL_S * 1000);
  return new RedisCartStore(createRedis(config.REDIS_URL, { use: 'command', name: 'orders-cart' }), redisPrefix(config), config.CART_TTL_S);
}
