import type { LineRow, OrderRow, TransitionRow } from '../data/orders.store.js';

export function orderView(order: OrderRow, lines: LineRow[], history?: TransitionRow[]) {
  return {
    id: order.id,
    status: order.status,
    total: order.total,
    currency: order.currency,
    note: order.note,
    reason: order.reason,
    items: lines.map((l) => ({ productId: l.product_id, name: l.name, quantity: l.quantity, price: l.price })),
    createdAt: order.created_at.toISOString(),
    updatedAt: order.updated_at.toISOString(),
    ...(history ? { history: history.map((t) => ({ from: t.from_status, to: t.to_status, reason: t.reason, at: new Date(t.at).toISOString() })) } : {}),
  };
}
