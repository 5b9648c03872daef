import type { Config } from '../../config/schema.js';
import { redisPrefix } from '../../redis/create-redis.js';
import type { ReplicaSettings } from './replica-routing.js';

/** The replica settings from config; undefined without replicas or without a real primary (PGlite has none). */
export function replicaSettings(config: Config): ReplicaSettings | undefined {
  if (!config.DATABASE_REPLICA_URLS) return undefined;
  if (!config.DATABASE_URL) throw new Error('DATABASE_REPLICA_URLS needs DATABASE_URL (the primary)');
  return {
    urls: config.DATABASE_REPLICA_URLS.split(','),
    maxLagMs: config.DATABASE_REPLICA_MAX_LAG_MS,
    checkEveryMs: config.DATABASE_REPLICA_CHECK_MS,
    redisUrl: config.REDIS_URL,
    redisPrefix: redisPrefix(config),
  };
}
