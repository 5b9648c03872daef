import type { Redis } from 'ioredis';
import { createRedis } from '../redis/create-redis.js';
import type { Instance, ServiceRegistry } from './registry.js';

/**
 * In Redis, for many hosts: one sorted set per service, member = the
 * instance as JSON, score = when it expires. A heartbeat is one ZADD;
 * listing drops the expired (ZREMRANGEBYSCORE) and reads the rest.
 */
export class RedisRegistry implements ServiceRegistry {
  readonly kind = 'redis';
  private readonly redis: Redis;

  /** `prefix`: REDIS_PREFIX; entries live under `<prefix>:discovery:<service>`. */
  constructor(url: string, private readonly prefix = 'scalestack') {
    // Callers see failed calls at once while Redis is away; the gateway keeps its last known set.
    this.redis = createRedis(url, { name: 'discovery' });
  }

  private key(service: string): string {
    return `${this.prefix}:discovery:${service}`;
  }

  private member(instance: Instance): string {
    return JSON.stringify({ service: instance.service, id: instance.id, url: instance.url });
  }

  async heartbeat(instance: Instance, ttlMs: number): Promise<void> {
    await this.redis.zadd(this.key(instance.service), Date.now() + ttlMs, this.member(instance));
  }

  async deregister(instance: Instance): Promise<void> {
    await this.redis.zrem(this.key(instance.service), this.member(instance));
  }

  async list(service: string): Promise<Instance[]> {
    const now = Date.now();
    const [, live] = (await this.redis
      .multi()
      .zremrangebyscore(this.key(service), '-inf', now)
      .zrangebyscore(this.key(service), now, '+inf')
      .exec()) as [[Error | null, number], [Error | null, string[]]];
    if (live[0]) throw live[0];
    return live[1].map((m) => JSON.parse(m) as Instance).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
