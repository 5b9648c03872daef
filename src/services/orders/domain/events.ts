import { ORDER_CANCELLED, ORDER_CONFIRMED, ORDER_PAID, ORDER_PLACED, type OrderEvent } from '../../../contracts/orders.js';
import type { OutgoingEvent } from '../../../platform/bus/port.js';
import type { OrderRow } from '../data/orders.store.js';

const TOPIC = { pending: ORDER_PLACED, paid: ORDER_PAID, confirmed: ORDER_CONFIRMED, cancelled: ORDER_CANCELLED } as const;

/** The event an order's new status announces (none for reserved and needs_attention), keyed by order id. */
export function orderEvent(order: OrderRow): OutgoingEvent<OrderEvent>[] {
  const topic = (TOPIC as Record<string, string>)[order.status];
  if (!topic) return [];
  const payload: OrderEvent = { orderId: order.id, userId: order.user_id, status: order.status, total: order.total, currency: order.currency };
  if (order.reason) payload.reason = order.reason;
  return [{ topic, key: order.id, payload }];
}
