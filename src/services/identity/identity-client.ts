import type { IdentityClient, UserProfile } from '../../contracts/identity.js';
import type { UserRow, UsersStore } from './data/users.store.js';

const toProfile = (row: UserRow): UserProfile => ({ id: row.id, username: row.username, bio: row.bio, image: row.image });

/** The in-process implementation of identity's contract for co-located callers. */
export function createIdentityClient(store: UsersStore): IdentityClient {
  return {
    usersByIds: async (ids) => {
      const unique = [...new Set(ids)];
      const rows = await store.byIds(unique);
      return new Map(rows.map((row) => [row.id, toProfile(row)]));
    },
    userByUsername: async (username) => {
      const row = await store.byUsername(username);
      return row ? toProfile(row) : null;
    },
  };
}
