import { PROFILES_CACHE_TAG, type UserProfile, type UserStanding } from '../../../contracts/identity.js';
import type { Cache } from '../../../platform/cache/cache.js';
import { canonicalIdentifier } from '../../../platform/text/identifiers.js';
import type { UserRow, UsersStore } from './users.store.js';

const toProfile = (row: Pick<UserRow, 'id' | 'username' | 'bio' | 'image'>): UserProfile => ({ id: row.id, username: row.username, bio: row.bio, image: row.image });

class NoSuchUser extends Error {}

/**
 * Profiles in front of identity.users. Reads are cache-aside (`profile:<id>`,
 * and `profile:name:<username>` → id); account updates are write-through
 * (`written`), so the writer's next read, here or in any instance, is fresh.
 * Unknown usernames are not cached: a registration must be visible at once.
 */
export class ProfileCache {
  constructor(
    private readonly store: UsersStore,
    private readonly cache: Cache,
  ) {}

  /** One query for all the misses of a batch, whatever its size. */
  async byIds(ids: readonly number[]): Promise<Map<number, UserProfile>> {
    const unique = [...new Set(ids)];
    const found = await this.cache.getManyOrLoad<UserProfile>('profile', unique.map(String), async (missing) => {
      const rows = await this.store.profilesByIds(missing.map(Number));
      return new Map(rows.map((row) => [String(row.id), toProfile(row)]));
    });
    return new Map([...found].map(([id, p]) => [Number(id), p]));
  }

  /** By the name's canonical form (NFKC, lowercase): "ＡＬＩＣＥ" finds alice. */
  async byUsername(name: string): Promise<UserProfile | null> {
    const username = canonicalIdentifier(name);
    try {
      const id = await this.cache.getOrLoad('profile', `name:${username}`, async () => {
        const row = await this.store.byUsername(username);
        if (!row) throw new NoSuchUser();
        return row.id;
      });
      return (await this.byIds([id])).get(id) ?? null;
    } catch (err) {
      if (err instanceof NoSuchUser) return null;
      throw err;
    }
  }

  /**
   * What every authenticated request is checked against (`standing:<id>`): cached like a profile,
   * rewritten by a password change and dropped by a deletion, so both take effect at once.
   */
  async standing(userId: number): Promise<UserStanding | null> {
    try {
      return await this.cache.getOrLoad('profile', `standing:${userId}`, async () => {
        const row = await this.store.standingOf(userId);
        if (!row) throw new NoSuchUser();
        return { tokenVersion: row.token_version, roles: row.roles };
      });
    } catch (err) {
      if (err instanceof NoSuchUser) return null;
      throw err;
    }
  }

  /** After the user's roles changed (here or, by its event, in another process): the next check reads them. */
  async rolesChanged(userId: number): Promise<void> {
    await this.cache.delete('profile', `standing:${userId}`);
  }

  /** After a deletion (or its event, which may come from another process): nothing of the user stays cached. */
  async deleted(userId: number, username: string): Promise<void> {
    await Promise.all([
      this.cache.delete('profile', `standing:${userId}`),
      this.cache.delete('profile', String(userId)),
      this.cache.delete('profile', `name:${username}`),
      this.cache.invalidateTags([PROFILES_CACHE_TAG]),
    ]);
  }

  /**
   * Write-through after an account change; a rename also retires the old name's entry, and
   * entries elsewhere that embed profiles (tag PROFILES_CACHE_TAG) are dropped.
   */
  async written(user: UserRow, previousUsername: string): Promise<void> {
    await this.cache.set('profile', String(user.id), toProfile(user));
    await this.cache.set('profile', `standing:${user.id}`, { tokenVersion: user.token_version, roles: user.roles } satisfies UserStanding);
    await this.cache.invalidateTags([PROFILES_CACHE_TAG]);
    if (previousUsername !== user.username) {
      await this.cache.delete('profile', `name:${previousUsername}`);
      await this.cache.set('profile', `name:${user.username}`, user.id);
    }
  }
}
