import type { PreferencesStore } from '../data/preferences.store.js';
import { CHANNELS, NOTIFICATION_TYPES } from './rules.js';

export type Preferences = Record<string, Record<string, boolean>>;

/** Per user, channel (inApp, email, webhook) and type: on unless turned off. */
export class PreferencesDomain {
  constructor(private readonly store: PreferencesStore) {}

  async of(userId: number): Promise<Preferences> {
    const stored = await this.store.of(userId);
    return Object.fromEntries(
      CHANNELS.map((channel) => [channel, Object.fromEntries(NOTIFICATION_TYPES.map((type) => [type, stored.get(`${channel}:${type}`) ?? true]))]),
    );
  }

  async update(userId: number, changes: Preferences): Promise<Preferences> {
    const entries = Object.entries(changes).flatMap(([channel, types]) => Object.entries(types).map(([type, enabled]) => ({ channel, type, enabled })));
    await this.store.set(userId, entries);
    return this.of(userId);
  }
}
