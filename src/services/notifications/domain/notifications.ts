import type { IdentityClient } from '../../../contracts/identity.js';
import { errors } from '../../../platform/errors/catalog.js';
import type { NotificationRow, NotificationsStore } from '../data/notifications.store.js';
import { actorIds, notificationJson, type NotificationJson } from './present.js';

export interface NotificationPage {
  notifications: NotificationJson[];
  unreadCount: number;
  /** Pass as `before` for the next (older) page; null on the last one. */
  nextCursor: string | null;
}

/** Reading and acknowledging one's own notifications. Knows nothing of HTTP. */
export class NotificationsDomain {
  constructor(
    private readonly store: NotificationsStore,
    private readonly identity: IdentityClient,
  ) {}

  async page(userId: number, before: number | undefined, limit: number): Promise<NotificationPage> {
    const [rows, unreadCount] = await Promise.all([this.store.page(userId, before, limit + 1), this.store.unreadCount(userId)]);
    const more = rows.length > limit;
    const shown = rows.slice(0, limit);
    return {
      notifications: await this.present(shown),
      unreadCount,
      nextCursor: more ? String(shown[shown.length - 1]!.id) : null,
    };
  }

  /** Stored after `after`, oldest first: what a stream resuming from Last-Event-ID missed. */
  async since(userId: number, after: number, limit: number): Promise<NotificationJson[]> {
    return this.present(await this.store.since(userId, after, limit));
  }

  /**
   * Marks the given notifications (or all) read. An id that is not the
   * caller's is "not found" and nothing is marked: another user's
   * notifications are not even confirmed to exist.
   */
  async markRead(userId: number, ids: readonly number[] | 'all'): Promise<{ unreadCount: number }> {
    if (ids !== 'all') {
      const owned = await this.store.ownedAmong(userId, ids);
      if (ids.some((id) => !owned.has(id))) throw errors.notFound('notification');
    }
    await this.store.markRead(userId, ids);
    return { unreadCount: await this.store.unreadCount(userId) };
  }

  async present(rows: readonly NotificationRow[]): Promise<NotificationJson[]> {
    const actors = await this.identity.usersByIds(actorIds(rows));
    return rows.map((row) => notificationJson(row, actors));
  }
}
