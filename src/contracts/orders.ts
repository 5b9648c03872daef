import { Type, type Static } from '@sinclair/typebox';

/**
 * The orders service's public vocabulary: order states and the events it
 * emits through its outbox (for notifications and analytics). Nobody calls
 * orders in process yet, so there is no client interface.
 */
export const ORDERS = 'orders';

export const ORDER_STATUSES = ['pending', 'reserved', 'paid', 'confirmed', 'cancelled', 'needs_attention'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_PLACED = 'orders.order.placed';
export const ORDER_PAID = 'orders.order.paid';
export const ORDER_CONFIRMED = 'orders.order.confirmed';
export const ORDER_CANCELLED = 'orders.order.cancelled';

/** Every order event, keyed by order id (one order's events keep their order). */
export const OrderEvent = Type.Object({
  orderId: Type.String(),
  userId: Type.Integer({ minimum: 1 }),
  status: Type.String(),
  total: Type.Integer({ minimum: 0 }),
  currency: Type.String(),
  reason: Type.Optional(Type.String()),
});
export type OrderEvent = Static<typeof OrderEvent>;
