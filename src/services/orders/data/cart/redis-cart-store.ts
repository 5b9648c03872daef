import type { Redis } from 'ioredis';
import type { CartStore } from './cart-store.js';

/** With REDIS_URL: one hash per cart (field = product id), EXPIREd on every change, so every replica sees the same cart. */
export class RedisCartStore implements CartStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlS: number,
  ) {}

  private key(userId: number): string {
    return `${this.prefix}:cart:${userId}`;
  }

  async get(userId: number): Promise<Map<number, number>> {
    const fields = await this.redis.hgetall(this.key(userId));
    return new Map(Object.entries(fields).map(([p, q]) => [Number(p), Number(q)]));
  }

  async set(userId: number, productId: number, quantity: number): Promise<void> {
    await this.redis.multi().hset(this.key(userId), String(productId), String(quantity)).expire(this.key(userId), this.ttlS).exec();
  }

  async remove(userId: number, productId: number): Promise<boolean> {
    const results = await this.redis.multi().hdel(this.key(userId), String(productId)).expire(this.key(userId), this.ttlS).exec();
    return Number(results?.[0]?.[1] ?? 0) > 0;
  }

  async clear(userId: number): Promise<void> {
    await this.redis.del(this.key(userId));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
