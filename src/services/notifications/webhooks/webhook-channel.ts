import type { DeliveriesStore } from '../data/deliveries.store.js';
import type { PreferencesStore } from '../data/preferences.store.js';
import type { WebhooksStore } from '../data/webhooks.store.js';
import type { NotificationChannel } from '../domain/consume-events.js';

/** What a delivery stores at enqueue: the notification as it was; the body is rendered from it at the first attempt. */
export interface DeliveryPayload {
  notificationId: number;
  type: string;
  actorId: number | null;
  data: Record<string, unknown>;
  createdAt: string;
}

/**
 * Webhooks as a notification channel: a delivery per subscribed, enabled
 * endpoint of the user is written in the notification's own transaction,
 * so it exists exactly when the notification does (a redelivered event
 * stores neither twice). After commit the local dispatcher is woken;
 * other processes find the row when they poll.
 */
export function webhookChannel(deps: { webhooks: WebhooksStore; deliveries: DeliveriesStore; preferences: PreferencesStore; wake: () => void }): NotificationChannel {
  return {
    inTransaction: async (trx, row) => {
      const endpoints = await deps.webhooks.subscribed(trx, Number(row.user_id), row.type);
      if (endpoints.length === 0) return;
      if ((await deps.preferences.of(Number(row.user_id), trx)).get(`webhook:${row.type}`) === false) return;
      const payload: DeliveryPayload = {
        notificationId: Number(row.id), type: row.type, actorId: row.actor_id === null ? null : Number(row.actor_id),
        data: (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>,
        createdAt: row.created_at.toISOString(),
      };
      await deps.deliveries.enqueue(trx, endpoints.map((e) => e.id), Number(row.id), row.type, payload);
    },
    afterCommit: async () => deps.wake(),
  };
}
