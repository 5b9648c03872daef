import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import type { NotificationDraft } from '../domain/rules.js';
import type { NotificationsTables } from './tables.js';

export type NotificationRow = Selectable<NotificationsTables['notifications.notifications']>;

export class NotificationsStore {
  readonly db: Kysely<NotificationsTables>;

  constructor(database: Database) {
    this.db = database.as<NotificationsTables>();
  }

  /** In the consumer's inbox transaction; the (event, user) key makes a second insert impossible even without the inbox. */
  async insert(trx: Kysely<NotificationsTables>, draft: NotificationDraft, eventId: string): Promise<NotificationRow | undefined> {
    return trx
      .insertInto('notifications.notifications')
      .values({ user_id: draft.userId, type: draft.type, actor_id: draft.actorId, data: JSON.stringify(draft.data), event_id: eventId, read_at: null })
      .onConflict((oc) => oc.columns(['event_id', 'user_id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  async byId(id: number): Promise<NotificationRow | undefined> {
    return this.db.selectFrom('notifications.notifications').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first, ids below `before` (the cursor). */
  async page(userId: number, before: number | undefined, limit: number): Promise<NotificationRow[]> {
    let query = this.db.selectFrom('notifications.notifications').selectAll().where('user_id', '=', userId);
    if (before !== undefined) query = query.where('id', '<', before);
    return query.orderBy('id', 'desc').limit(limit).execute();
  }

  /** Oldest first, ids above `after`: what a reconnecting stream missed. */
  async since(userId: number, after: number, limit: number): Promise<NotificationRow[]> {
    return this.db
      .selectFrom('notifications.notifications').selectAll()
      .where('user_id', '=', userId).where('id', '>', after)
      .orderBy('id', 'asc').limit(limit).execute();
  }

  async unreadCount(userId: number): Promise<number> {
    const row = await this.db
      .selectFrom('notifications.notifications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId).where('read_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The ids among `ids` that are this user's: anyone else's are unknown to them. */
  async ownedAmong(userId: number, ids: readonly number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.selectFrom('notifications.notifications').select('id')
      .where('user_id', '=', userId).where('id', 'in', [...new Set(ids)]).execute();
    return new Set(rows.map((r) => Number(r.id)));
  }

  async markRead(userId: number, ids: readonly number[] | 'all'): Promise<void> {
    let query = this.db.updateTable('notifications.notifications').set({ read_at: sql<Date>`now()` })
      .where('user_id', '=', userId).where('read_at', 'is', null);
    if (ids !== 'all') query = query.where('id', 'in', [...ids]);
    await query.execute();
  }
}
