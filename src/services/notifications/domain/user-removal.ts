import type { Kysely } from 'kysely';
import { USER_DELETED, UserDeletedEvent } from '../../../contracts/identity.js';
import type { Bus, Subscription } from '../../../platform/bus/port.js';
import type { Logger } from '../../../platform/log/logger.js';
import type { NotificationsTables } from '../data/tables.js';

const CONSUMER = 'notifications-user-deleted';

/**
 * When identity deletes a user, what notifications holds of them goes too:
 * their notifications, preferences, webhook endpoints (URLs and secrets) and,
 * with the endpoints, every delivery. Deleting is idempotent, so a
 * redelivered event needs no inbox.
 */
export async function consumeUserDeletions(deps: { bus: Bus; db: Kysely<NotificationsTables>; logger: Logger }): Promise<Subscription> {
  return deps.bus.subscribe<UserDeletedEvent>(
    USER_DELETED,
    CONSUMER,
    async ({ payload }) => {
      await deps.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('notifications.webhooks').where('user_id', '=', payload.userId).execute();
        await trx.deleteFrom('notifications.email_pending').where('user_id', '=', payload.userId).execute();
        await trx.deleteFrom('notifications.preferences').where('user_id', '=', payload.userId).execute();
        await trx.deleteFrom('notifications.notifications').where('user_id', '=', payload.userId).execute();
      });
      deps.logger.info({ userId: payload.userId }, "notifications: removed a deleted user's notifications and webhooks");
    },
    { schema: UserDeletedEvent },
  );
}
