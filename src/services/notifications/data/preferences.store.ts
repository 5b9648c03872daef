import type { Kysely } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import type { NotificationsTables } from './tables.js';

/** Opt-outs per user, channel and notification type; no row means the default (on). */
export class PreferencesStore {
  private readonly db: Kysely<NotificationsTables>;

  constructor(database: Database) {
    this.db = database.as<NotificationsTables>();
  }

  async of(userId: number, trx: Kysely<NotificationsTables> = this.db): Promise<Map<string, boolean>> {
    const rows = await trx.selectFrom('notifications.preferences').selectAll().where('user_id', '=', userId).execute();
    return new Map(rows.map((r) => [`${r.channel}:${r.type}`, r.enabled]));
  }

  async set(userId: number, entries: readonly { channel: string; type: string; enabled: boolean }[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db
      .insertInto('notifications.preferences')
      .values(entries.map((e) => ({ user_id: userId, ...e })))
      .onConflict((oc) => oc.columns(['user_id', 'channel', 'type']).doUpdateSet((eb) => ({ enabled: eb.ref('excluded.enabled') })))
      .execute();
  }
}
