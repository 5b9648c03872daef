/** A user's cart: product id → quantity. Carts are disposable (a TTL forgets idle ones), so no database. */
export interface CartStore {
  get(userId: number): Promise<Map<number, number>>;
  /** Sets one line (quantity ≥ 1) and renews the cart's TTL. */
  set(userId: number, productId: number, quantity: number): Promise<void>;
  /** Removes one line; true when it was there. */
  remove(userId: number, productId: number): Promise<boolean>;
  clear(userId: number): Promise<void>;
  close(): Promise<void>;
}
