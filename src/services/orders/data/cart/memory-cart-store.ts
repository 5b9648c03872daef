import type { CartStore } from './cart-store.js';

/** Embedded (no REDIS_URL): carts in this process, forgotten `ttlMs` after their last change. */
export class MemoryCartStore implements CartStore {
  private readonly carts = new Map<number, { lines: Map<number, number>; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(userId: number): Promise<Map<number, number>> {
    return new Map(this.live(userId)?.lines ?? []);
  }

  async set(userId: number, productId: number, quantity: number): Promise<void> {
    const cart = this.live(userId) ?? { lines: new Map<number, number>(), expiresAt: 0 };
    cart.lines.set(productId, quantity);
    cart.expiresAt = this.now() + this.ttlMs;
    this.carts.set(userId, cart);
  }

  async remove(userId: number, productId: number): Promise<boolean> {
    const cart = this.live(userId);
    if (!cart?.lines.delete(productId)) return false;
    cart.expiresAt = this.now() + this.ttlMs;
    return true;
  }

  async clear(userId: number): Promise<void> {
    this.carts.delete(userId);
  }

  async close(): Promise<void> {
    this.carts.clear();
  }

  private live(userId: number) {
    const cart = this.carts.get(userId);
    if (cart && cart.expiresAt <= this.now()) {
      this.carts.delete(userId);
      return undefined;
    }
    return cart;
  }
}
