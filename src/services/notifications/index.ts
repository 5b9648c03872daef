import { IDENTITY, type IdentityClient } from '../../contracts/identity.js';
import type { ServiceModule } from '../../platform/runtime/service-module.js';
import { openPubSub } from '../../platform/pubsub/open-pubsub.js';
import { NotificationsStore } from './data/notifications.store.js';
import { PreferencesStore } from './data/preferences.store.js';
import { DeliveriesStore } from './data/deliveries.store.js';
import { WebhooksStore } from './data/webhooks.store.js';
import { consumeEvents } from './domain/consume-events.js';
import { NotificationsDomain } from './domain/notifications.js';
import { PreferencesDomain } from './domain/preferences.js';
import { RULES } from './domain/rules.js';
import { WebhooksDomain } from './domain/webhooks.js';
import { consumeUserDeletions } from './domain/user-removal.js';
import { startDigests } from './email/digest.js';
import { emailChannel } from './email/email-channel.js';
import { EMAIL_QUEUE, EmailSender, processEmailJobs, type EmailJob } from './email/email-jobs.js';
import { openMailer } from './email/open-mailer.js';
import { liveChannel } from './live/live-channel.js';
import { LiveHub } from './live/live-hub.js';
import { notificationsMigrations } from './migrations.js';
import { notificationsRoutes } from './routes/notifications.routes.js';
import { mailRoutes } from './routes/mail.routes.js';
import { streamRoutes } from './routes/stream.routes.js';
import { webhooksRoutes } from './routes/webhooks.routes.js';
import { AddressPolicy } from './webhooks/address-policy.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { bodyRenderer } from './webhooks/render-body.js';
import { RetrySchedule } from './webhooks/retry-schedule.js';
import { safePost } from './webhooks/safe-post.js';
import { webhookChannel } from './webhooks/webhook-channel.js';

/** notifications: what users are told of others' actions, in the app (REST and live), by email and by webhook. Owns the `notifications` schema. */
export const notificationsService: ServiceModule = {
  name: 'notifications',
  migrations: notificationsMigrations,
  create: async ({ config, db, clients, metrics, logger, bus }) => {
    const identity = clients.get<IdentityClient>(IDENTITY);
    const store = new NotificationsStore(db);
    const preferencesStore = new PreferencesStore(db);
    const notifications = new NotificationsDomain(store, identity);
    const preferences = new PreferencesDomain(preferencesStore);

    const mailer = await openMailer({ smtpUrl: config.SMTP_URL, from: config.EMAIL_FROM });
    const sender = new EmailSender(mailer, identity, store);

    const webhooksStore = new WebhooksStore(db);
    const deliveries = new DeliveriesStore(db);
    const policy = new AddressPolicy(config.WEBHOOK_ALLOW_PRIVATE);
    const webhooks = new WebhooksDomain(webhooksStore, deliveries, identity, policy, config.WEBHOOK_ROTATION_OVERLAP_MS);
    const limits = { policy, timeoutMs: config.WEBHOOK_TIMEOUT_MS, maxResponseBytes: config.WEBHOOK_MAX_RESPONSE_BYTES };
    const dispatcher = new WebhookDispatcher(
      {
        deliveries, logger, registry: metrics.registry,
        render: bodyRenderer(identity),
        post: (url, headers, body) => safePost(url, headers, body, limits),
        // The owner is told by email (a durable job: retried until the mail server takes it).
        onDisabled: async (endpoint) => {
          const job: EmailJob = { kind: 'webhook-disabled', ...endpoint };
          await bus.enqueue(EMAIL_QUEUE, job, { id: `email:webhook-disabled:${endpoint.webhookId}:${Date.now()}` });
        },
      },
      {
        schedule: new RetrySchedule(config.WEBHOOK_RETRY_SCHEDULE),
        concurrency: config.WEBHOOK_CONCURRENCY,
        pollMs: config.WEBHOOK_POLL_MS,
        // An attempt takes at most the timeout; the margin covers recording it.
        leaseMs: config.WEBHOOK_TIMEOUT_MS + 30_000,
        disableAfterMs: config.WEBHOOK_DISABLE_AFTER_MS,
      },
    );

    const pubsub = openPubSub(config);
    const hub = new LiveHub(pubsub, metrics.registry, logger, config.NOTIFICATIONS_LIVE_MAX_BUFFER_BYTES);
    await hub.start();
    const consumer = await consumeEvents({
      bus, rules: RULES, store, preferences: preferencesStore, logger,
      channels: [
        liveChannel(hub, notifications),
        emailChannel({ preferences: preferencesStore, digest: config.EMAIL_DIGEST_MINUTES > 0 }),
        webhookChannel({ webhooks: webhooksStore, deliveries, preferences: preferencesStore, wake: () => dispatcher.wake() })],
    });
    dispatcher.start();
    const emailWorker = await processEmailJobs(bus, sender, logger);
    const digests = config.EMAIL_DIGEST_MINUTES > 0 ? await startDigests(bus, store.db, sender, config.EMAIL_DIGEST_MINUTES * 60_000, logger) : null;
    const removals = await consumeUserDeletions({ bus, db: store.db, logger });

    return {
      routes: async (app) => {
        await app.register(notificationsRoutes(notifications, preferences));
        await app.register(streamRoutes(hub, notifications, { heartbeatMs: config.NOTIFICATIONS_HEARTBEAT_MS }));
        await app.register(webhooksRoutes(webhooks));
        await app.register(mailRoutes(mailer));
      },
      close: async () => {
        await consumer.stop();
        await removals.stop();
        await dispatcher.stop();
        await digests?.stop();
        await emailWorker.stop();
        await mailer.close();
        await hub.close();
        await pubsub.close();
      },
    };
  },
};
