import { Redis } from 'ioredis';
import type { Instance, ServiceRegistry } from './registry.js';

/**
 * In Redis, for many hosts: one sorted set per service, member = the
 * instance as JSON, score = when it expires. A heartbeat is one ZADD;
 * listing drops the expired (ZREMRANGEBYSCORE) and reads the rest.
 */
export class RedisRegistry implements ServiceRegistry {
  readonly kind = 'redis';
  private readonly redis: Redis;

  constructor(url: string, private readonly prefix = 'ss:discovery') {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 1000, enableOfflineQueue: false });
    this.redis.on('error', () => {}); // callers see failed calls; the gateway keeps its last known set
  }

  private key(service: string): string {
    return `${this.prefix}:${service}`;
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
