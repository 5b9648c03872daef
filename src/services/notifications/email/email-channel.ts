import { addJobToOutbox } from '../../../platform/bus/outbox.js';
import type { PreferencesStore } from '../data/preferences.store.js';
import type { NotificationChannel } from '../domain/consume-events.js';
import { EMAIL_QUEUE, type EmailJob } from './email-jobs.js';

/**
 * Email as a notification channel. In the notification's own transaction:
 * a job through the outbox (sent at once) or, with digests on, a row in
 * email_pending (the digest job's queue). Either exists exactly when the
 * notification does; a redelivered event adds neither twice.
 */
export function emailChannel(deps: { preferences: PreferencesStore; digest: boolean }): NotificationChannel {
  return {
    inTransaction: async (trx, row) => {
      const userId = Number(row.user_id);
      if ((await deps.preferences.of(userId, trx)).get(`email:${row.type}`) === false) return;
      if (deps.digest) {
        await trx.insertInto('notifications.email_pending').values({ notification_id: Number(row.id), user_id: userId }).onConflict((oc) => oc.doNothing()).execute();
        return;
      }
      const job: EmailJob = { kind: 'notification', notificationId: Number(row.id) };
      await addJobToOutbox(trx, EMAIL_QUEUE, job, { id: `email:notification:${row.id}` });
    },
  };
}
