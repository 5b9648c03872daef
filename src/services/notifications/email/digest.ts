import type { Kysely } from 'kysely';
import type { Bus, Subscription } from '../../../platform/bus/port.js';
import type { Logger } from '../../../platform/log/logger.js';
import type { NotificationsTables } from '../data/tables.js';
import type { EmailSender } from './email-jobs.js';

export const DIGEST_QUEUE = 'notifications.email-digest';

/**
 * Sends every user with pending notifications one email listing them, then
 * forgets them — each user in their own transaction: the pending rows are
 * locked (SKIP LOCKED: another process's run takes other users), the mail
 * sent, the rows deleted at commit. A failed send rolls back, and the next
 * tick tries again; a crash after the send but before commit sends it again.
 */
export async function sendDigests(db: Kysely<NotificationsTables>, sender: EmailSender, logger: Logger): Promise<number> {
  const users = await db.selectFrom('notifications.email_pending').select('user_id').distinct().execute();
  let sent = 0;
  for (const { user_id: userId } of users) {
    try {
      await db.transaction().execute(async (trx) => {
        const pending = await trx.selectFrom('notifications.email_pending').select('notification_id')
          .where('user_id', '=', userId).orderBy('notification_id').forUpdate().skipLocked().execute();
        if (pending.length === 0) return;
        const ids = pending.map((p) => p.notification_id);
        const rows = await trx.selectFrom('notifications.notifications').selectAll().where('id', 'in', ids).orderBy('id').execute();
        await sender.sendAbout(Number(userId), rows, `digest-${userId}-${ids[0]}-${ids[ids.length - 1]}`);
        await trx.deleteFrom('notifications.email_pending').where('notification_id', 'in', ids).execute();
        sent++;
      });
    } catch (err) {
      logger.warn({ err, userId }, 'notifications: a digest email failed; sent at the next tick');
    }
  }
  return sent;
}

/** The digest cron: one job per tick across the processes sharing the bus (src/platform/bus/schedule.ts). */
export async function startDigests(bus: Bus, db: Kysely<NotificationsTables>, sender: EmailSender, everyMs: number, logger: Logger): Promise<Subscription> {
  const worker = await bus.process<{ tick: number }>(DIGEST_QUEUE, async () => {
    const sent = await sendDigests(db, sender, logger);
    if (sent > 0) logger.info({ sent }, 'notifications: digest emails sent');
  }, { maxAttempts: 1 });
  const schedule = bus.schedule({ name: DIGEST_QUEUE, everyMs, queue: DIGEST_QUEUE });
  return {
    stop: async () => {
      await schedule.stop();
      await worker.stop();
    },
  };
}
