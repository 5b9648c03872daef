import type { Config } from '../config/schema.js';
import { redisPrefix } from '../redis/create-redis.js';
import { MemorySwitches } from './memory-switches.js';
import { RedisSwitches } from './redis-switches.js';
import { initialSwitches, type SwitchBoard } from './switches.js';

/** REDIS_URL set: switches shared by every process over Redis pub/sub; otherwise this process alone. */
export async function openSwitches(config: Config): Promise<SwitchBoard> {
  const initial = initialSwitches(config);
  if (!config.REDIS_URL) return new MemorySwitches(initial);
  return RedisSwitches.open(config.REDIS_URL, redisPrefix(config), initial);
}
