import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import type { NotificationsTables } from './tables.js';

export type WebhookRow = Selectable<NotificationsTables['notifications.webhooks']>;

/** Users' webhook endpoints. Ownership is the domain's to check; this only reads and writes rows. */
export class WebhooksStore {
  readonly db: Kysely<NotificationsTables>;

  constructor(database: Database) {
    this.db = database.as<NotificationsTables>();
  }

  async insert(row: { id: string; user_id: number; url: string; events: string[]; secret: string }): Promise<WebhookRow> {
    return this.db.insertInto('notifications.webhooks')
      .values({ ...row, events: sql<string[]>`${row.events}::text[]` as unknown as string[] })
      .returningAll().executeTakeFirstOrThrow();
  }

  async get(id: string): Promise<WebhookRow | undefined> {
    return this.db.selectFrom('notifications.webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** One user's endpoints (or everyone's: `userId` null), oldest first. */
  async list(userId: number | null): Promise<WebhookRow[]> {
    let query = this.db.selectFrom('notifications.webhooks').selectAll();
    if (userId !== null) query = query.where('user_id', '=', userId);
    return query.orderBy('created_at').orderBy('id').limit(1000).execute();
  }

  async countOf(userId: number): Promise<number> {
    const row = await this.db.selectFrom('notifications.webhooks').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The enabled endpoints of `userId` that asked for `eventType`; in the caller's transaction. */
  async subscribed(trx: Kysely<NotificationsTables>, userId: number, eventType: string): Promise<WebhookRow[]> {
    return trx.selectFrom('notifications.webhooks').selectAll()
      .where('user_id', '=', userId).where('disabled_at', 'is', null)
      .where(sql<boolean>`${eventType} = any(events)`)
      .execute();
  }

  async update(id: string, changes: { url?: string; events?: string[]; enabled?: boolean }): Promise<WebhookRow | undefined> {
    return this.db.updateTable('notifications.webhooks')
      .set({
        // Another URL is another endpoint as far as failing goes: its clock starts afresh.
        ...(changes.url !== undefined ? { url: changes.url, failing_since: null } : {}),
        ...(changes.events !== undefined ? { events: sql<string[]>`${changes.events}::text[]` as unknown as string[] } : {}),
        // Re-enabling starts a new failure clock.
        ...(changes.enabled === true ? { disabled_at: null, disabled_reason: null, failing_since: null } : {}),
        ...(changes.enabled === false ? { disabled_at: sql<Date>`coalesce(disabled_at, now())`, disabled_reason: sql<string>`coalesce(disabled_reason, 'disabled by its owner')` } : {}),
      })
      .where('id', '=', id).returningAll().executeTakeFirst();
  }

  /** The new secret signs from now on; the old one too until `overlapMs` from now. */
  async rotate(id: string, secret: string, overlapMs: number): Promise<WebhookRow | undefined> {
    return this.db.updateTable('notifications.webhooks')
      .set({
        previous_secret: sql<string>`secret`,
        previous_until: sql<Date>`now() + ${`${overlapMs} milliseconds`}::interval`,
        secret,
      })
      .where('id', '=', id).returningAll().executeTakeFirst();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('notifications.webhooks').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
