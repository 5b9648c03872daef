import { sql, type Kysely } from 'kysely';
import type { OrderStatus } from '../../../contracts/orders.js';
import type { Database } from '../../../platform/db/database.js';

export type Any = Record<string, never>;
export type Executor = Kysely<Any>;

export interface OrderRow {
  id: string;
  user_id: number;
  status: OrderStatus;
  total: number;
  currency: string;
  charge_id: string | null;
  refunded: boolean;
  note: string | null;
  reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface LineRow {
  order_id: string;
  product_id: number;
  quantity: number;
  price: number;
  name: string;
}

export interface TransitionRow {
  from_status: OrderStatus | null;
  to_status: OrderStatus;
  reason: string | null;
  at: Date;
}

const num = <T extends { user_id?: unknown; total?: unknown; product_id?: unknown; price?: unknown }>(row: T): T => ({
  ...row,
  ...(row.user_id !== undefined ? { user_id: Number(row.user_id) } : {}),
  ...(row.total !== undefined ? { total: Number(row.total) } : {}),
  ...(row.product_id !== undefined ? { product_id: Number(row.product_id) } : {}),
  ...(row.price !== undefined ? { price: Number(row.price) } : {}),
});

/** orders.* rows: one per order (the saga's state), its lines and its transitions. */
export class OrdersStore {
  readonly db: Executor;
  constructor(database: Database) {
    this.db = database.as<Any>();
  }

  async insert(trx: Executor, order: { id: string; userId: number; total: number; currency: string; note: string | null }, lines: Omit<LineRow, 'order_id'>[]): Promise<void> {
    await sql`insert into orders.orders (id, user_id, status, total, currency, note) values (${order.id}, ${order.userId}, 'pending', ${order.total}, ${order.currency}, ${order.note})`.execute(trx);
    for (const l of lines) {
      await sql`insert into orders.order_lines (order_id, product_id, quantity, price, name) values (${order.id}, ${l.product_id}, ${l.quantity}, ${l.price}, ${l.name})`.execute(trx);
    }
    await sql`insert into orders.transitions (order_id, from_status, to_status, reason) values (${order.id}, null, 'pending', 'placed')`.execute(trx);
  }

  async get(id: string, executor: Executor = this.db): Promise<OrderRow | undefined> {
    const { rows } = await sql<OrderRow>`select * from orders.orders where id = ${id}`.execute(executor);
    return rows[0] ? num(rows[0]) : undefined;
  }

  async lines(orderId: string, executor: Executor = this.db): Promise<LineRow[]> {
    const { rows } = await sql<LineRow>`select * from orders.order_lines where order_id = ${orderId} order by product_id`.execute(executor);
    return rows.map(num);
  }

  async history(orderId: string): Promise<TransitionRow[]> {
    const { rows } = await sql<TransitionRow>`select from_status, to_status, reason, at from orders.transitions where order_id = ${orderId} order by seq`.execute(this.db);
    return rows;
  }

  /** A user's orders, newest first, keyset-paged by (created_at, id). */
  async ofUser(userId: number, limit: number, before?: { at: string; id: string }): Promise<OrderRow[]> {
    const { rows } = before
      ? await sql<OrderRow>`select * from orders.orders where user_id = ${userId} and (created_at, id) < (${before.at}::timestamptz, ${before.id})
          order by created_at desc, id desc limit ${limit}`.execute(this.db)
      : await sql<OrderRow>`select * from orders.orders where user_id = ${userId} order by created_at desc, id desc limit ${limit}`.execute(this.db);
    return rows.map(num);
  }

  /**
   * Moves the order from one of `from` to `to` (compare-and-set: a step that
   * finds it elsewhere changes nothing) and records the transition. Returns
   * the row after the move, or undefined when it was not in `from`.
   */
  async transition(trx: Executor, id: string, from: readonly OrderStatus[], to: OrderStatus, reason: string | null, set: { chargeId?: string; refunded?: boolean } = {}): Promise<OrderRow | undefined> {
    const { rows } = await sql<OrderRow & { previous: OrderStatus }>`
      update orders.orders o set status = ${to}, reason = coalesce(${reason}, o.reason), updated_at = now(),
        charge_id = coalesce(${set.chargeId ?? null}, o.charge_id), refunded = o.refunded or ${set.refunded ?? false}
      from (select id, status as previous from orders.orders where id = ${id} for update) p
      where o.id = p.id and p.previous in (${sql.join(from.map((s) => sql`${s}`))})
      returning o.*, p.previous`.execute(trx);
    const row = rows[0];
    if (!row) return undefined;
    await sql`insert into orders.transitions (order_id, from_status, to_status, reason) values (${id}, ${row.previous}, ${to}, ${reason})`.execute(trx);
    return num(row);
  }

  async setCharge(trx: Executor, id: string, chargeId: string): Promise<void> {
    await sql`update orders.orders set charge_id = ${chargeId}, updated_at = now() where id = ${id}`.execute(trx);
  }
}
