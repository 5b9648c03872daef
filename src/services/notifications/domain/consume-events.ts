import type { Kysely } from 'kysely';
import { applyOnce } from '../../../platform/bus/inbox.js';
import type { Bus, Subscription } from '../../../platform/bus/port.js';
import type { Logger } from '../../../platform/log/logger.js';
import type { NotificationRow, NotificationsStore } from '../data/notifications.store.js';
import type { PreferencesStore } from '../data/preferences.store.js';
import type { NotificationsTables } from '../data/tables.js';
import type { NotificationDraft, NotificationRule } from './rules.js';

export const CONSUMER = 'notifications';

/**
 * What else happens to a stored notification: in the same transaction
 * (`inTransaction`: webhook deliveries written to their queue table, emails
 * through the outbox, so they exist exactly when the notification does), and after
 * commit (`afterCommit`: live push, best effort; streams resume from the table).
 */
export interface NotificationChannel {
  inTransaction?(trx: Kysely<NotificationsTables>, row: NotificationRow, draft: NotificationDraft): Promise<void>;
  afterCommit?(row: NotificationRow): Promise<void>;
}

/**
 * One subscription per rule: each event becomes at most one notification
 * per user. The event id goes into the inbox in the transaction that
 * stores the notification, so a redelivery (broker retry, a worker killed
 * between commit and ack, a DLQ replay) stores nothing twice.
 */
export async function consumeEvents(deps: {
  bus: Bus;
  rules: readonly NotificationRule[];
  store: NotificationsStore;
  preferences: PreferencesStore;
  channels: readonly NotificationChannel[];
  logger: Logger;
  concurrency?: number;
}): Promise<Subscription> {
  const { bus, rules, store, preferences, channels, logger } = deps;
  const subscriptions = await Promise.all(
    rules.map((rule) =>
      bus.subscribe<unknown>(
        rule.topic,
        CONSUMER,
        async ({ id, payload }) => {
          const draft = rule.draft(payload);
          if (!draft) return;
          let stored: NotificationRow | undefined;
          await applyOnce(store.db, CONSUMER, id, async (trx) => {
            // Opting out of in-app notifications of a type means none is stored (and none is pushed, mailed or posted).
            if ((await preferences.of(draft.userId, trx)).get(`inApp:${draft.type}`) === false) return;
            stored = await store.insert(trx, draft, id);
            if (stored) for (const channel of channels) await channel.inTransaction?.(trx, stored, draft);
          });
          if (!stored) return;
          for (const channel of channels) {
            await channel.afterCommit?.(stored).catch((err: unknown) => logger.warn({ err, id: stored!.id }, 'notifications: after-commit delivery failed'));
          }
        },
        { schema: rule.schema, concurrency: deps.concurrency ?? 4 },
      ),
    ),
  );
  logger.debug({ topics: rules.map((r) => r.topic) }, 'notifications: consuming');
  return { stop: async () => void (await Promise.all(subscriptions.map((s) => s.stop()))) };
}
