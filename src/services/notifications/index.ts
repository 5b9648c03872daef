import { IDENTITY, type IdentityClient } from '../../contracts/identity.js';
import type { ServiceModule } from '../../platform/runtime/service-module.js';
import { openPubSub } from '../../platform/pubsub/open-pubsub.js';
import { NotificationsStore } from './data/notifications.store.js';
import { PreferencesStore } from './data/preferences.store.js';
import { consumeEvents } from './domain/consume-events.js';
import { NotificationsDomain } from './domain/notifications.js';
import { PreferencesDomain } from './domain/preferences.js';
import { RULES } from './domain/rules.js';
import { liveChannel } from './live/live-channel.js';
import { LiveHub } from './live/live-hub.js';
import { notificationsMigrations } from './migrations.js';
import { notificationsRoutes } from './routes/notifications.routes.js';
import { streamRoutes } from './routes/stream.routes.js';

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

    const pubsub = openPubSub(config);
    const hub = new LiveHub(pubsub, metrics.registry, logger, config.NOTIFICATIONS_LIVE_MAX_BUFFER_BYTES);
    await hub.start();
    const consumer = await consumeEvents({
      bus, rules: RULES, store, preferences: preferencesStore, logger,
      channels: [liveChannel(hub, notifications)],
    });

    return {
      routes: async (app) => {
        await app.register(notificationsRoutes(notifications, preferences));
        await app.register(streamRoutes(hub, notifications, { heartbeatMs: config.NOTIFICATIONS_HEARTBEAT_MS }));
      },
      close: async () => {
        await consumer.stop();
        await hub.close();
        await pubsub.close();
      },
    };
  },
};
