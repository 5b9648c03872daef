import type { IdentityClient } from '../../../contracts/identity.js';
import type { Bus, Subscription } from '../../../platform/bus/port.js';
import type { Logger } from '../../../platform/log/logger.js';
import type { NotificationRow, NotificationsStore } from '../data/notifications.store.js';
import type { Mailer } from './mailer.js';
import { digestMail, notificationMail, webhookDisabledMail, type NotificationMailInput, type RenderedMail } from './templates.js';

export const EMAIL_QUEUE = 'notifications.email';

/** What the email queue carries: ids, not addresses or text (both are looked up when sending, so a deleted user gets nothing). */
export type EmailJob =
  | { kind: 'notification'; notificationId: number }
  | { kind: 'webhook-disabled'; userId: number; webhookId: string; url: string; reason: string };

/**
 * Renders and sends mail: one notification, a digest of several, or the
 * notice of a disabled webhook endpoint. A send that fails throws, and the
 * bus retries the job (with backoff, then the DLQ). Delivery to the SMTP
 * server is at least once: a worker killed after the server accepted but
 * before the ack sends again, under the same Message-ID.
 */
export class EmailSender {
  constructor(
    private readonly mailer: Mailer,
    private readonly identity: IdentityClient,
    private readonly store: NotificationsStore,
  ) {}

  async handle(job: EmailJob): Promise<void> {
    if (job.kind === 'notification') {
      const row = await this.store.byId(job.notificationId);
      // Gone: its user was deleted since.
      if (row) await this.sendAbout(Number(row.user_id), [row], `notification-${row.id}`);
      return;
    }
    await this.deliver(job.userId, (name) => webhookDisabledMail(name, job), `webhook-disabled-${job.webhookId}-${Date.now()}`);
  }

  /** One email for `rows` (all the same user's): the notification's own, or a digest of several. */
  async sendAbout(userId: number, rows: readonly NotificationRow[], idPart: string): Promise<void> {
    if (rows.length === 0) return;
    const actors = await this.identity.usersByIds(rows.flatMap((r) => (r.actor_id === null ? [] : [Number(r.actor_id)])));
    const inputs: NotificationMailInput[] = rows.map((r) => ({
      type: r.type,
      actor: r.actor_id === null ? null : actors.get(Number(r.actor_id))?.username ?? null,
      data: (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>,
    }));
    await this.deliver(userId, (name) => (inputs.length === 1 ? notificationMail(name, inputs[0]!) : digestMail(name, inputs)), idPart);
  }

  private async deliver(userId: number, render: (recipientName: string) => RenderedMail, idPart: string): Promise<void> {
    const [emails, profiles] = await Promise.all([this.identity.emailsByIds([userId]), this.identity.usersByIds([userId])]);
    const to = emails.get(userId);
    const profile = profiles.get(userId);
    if (!to || !profile) return; // the account is gone
    await this.mailer.send({ to, ...render(profile.username), messageId: `<${idPart}@scalestack>` });
  }
}

/** The email queue's worker in this process. */
export async function processEmailJobs(bus: Bus, sender: EmailSender, logger: Logger): Promise<Subscription> {
  return bus.process<EmailJob>(EMAIL_QUEUE, async ({ payload, attempt }) => {
    if (attempt > 1) logger.info({ job: payload, attempt }, 'notifications: retrying an email');
    await sender.handle(payload);
  }, { concurrency: 4, maxAttempts: 8 });
}
