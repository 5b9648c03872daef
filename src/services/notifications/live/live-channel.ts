import type { NotificationChannel } from '../domain/consume-events.js';
import type { NotificationsDomain } from '../domain/notifications.js';
import type { LiveHub } from './live-hub.js';

/** After commit, a stored notification is broadcast to every process; the one holding the user's connections writes it. */
export function liveChannel(hub: LiveHub, notifications: NotificationsDomain): NotificationChannel {
  return {
    afterCommit: async (row) => {
      const [json] = await notifications.present([row]);
      await hub.publish(Number(row.user_id), Number(row.id), JSON.stringify(json));
    },
  };
}
