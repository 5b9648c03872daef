import type { Kysely } from 'kysely';
import type { Bus, Subscription } from '../../../platform/bus/port.js';
import { startCronJob } from '../../../platform/bus/cron-job.js';
import type { Logger } from '../../../platform/log/logger.js';
import type { NotificationsTables } from '../data/tables.js';
import type { EmailSender } from './email-jobs.js';

export const DIGEST_QUEUE = 'notifications.email-digest';

/**
 * Sends every user with pending notifications one email listing them, then
 * forgets what it listed. No transaction is held while the mail goes out: on
 * embedded PGlite (one connection) the sender's own queries (the recipient's
 * address) would wait behind it for ever, and on Postgres a lock held across
 * an SMTP exchange is a lock held for seconds. The cron runs once per tick
 * across processes (schedule.ts); a failed send leaves the rows for the next
 * tick, and a crash between the send and the delete sends it again (at least
 * once, like every SMTP delivery here).
 */
export async function sendDigests(db: Kysely<NotificationsTables>, sender: EmailSender, logger: Logger): Promise<number> {
  const users = await db.selectFrom('notifications.email_pending').select('user_id').distinct().execute();
  let sent = 0;
  for (const { user_id: userId } of users) {
    try {
      const pending = await db.selectFrom('notifications.email_pending').select('notification_id')
        .where('user_id', '=', userId).orderBy('notification_id').execute();
      if (pending.length === 0) continue;
      const ids = pending.map((p) => p.notification_id);
      const rows = await db.selectFrom('notifications.notifications').selectAll().where('id', 'in', ids).orderBy('id').execute();
      await sender.sendAbout(Number(userId), rows, `digest-${userId}-${ids[0]}-${ids[ids.length - 1]}`);
      await db.deleteFrom('notifications.email_pending').where('notification_id', 'in', ids).execute();
      sent++;
    } catch (err) {
      logger.warn({ err, userId }, 'notifications: a digest email failed; sent at the next tick');
    }
  }
  return sent;
}

/** The digest cron: one job per tick across the processes sharing the bus (src/platform/bus/schedule.ts). */
export async function startDigests(bus: Bus, db: Kysely<NotificationsTables>, sender: EmailSender, everyMs: number, logger: Logger): Promise<Subscription> {
  return startCronJob(bus, DIGEST_QUEUE, everyMs, async () => {
    const sent = await sendDigests(db, sender, logger);
    if (sent > 0) logger.info({ sent }, 'notifications: digest emails sent');
  }, 1);
}
