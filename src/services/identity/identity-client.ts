import type { IdentityClient } from '../../contracts/identity.js';
import type { ProfileCache } from './data/profile-cache.js';
import type { UsersStore } from './data/users.store.js';

/** The in-process implementation of identity's contract for co-located callers, served from the profile cache. */
export function createIdentityClient(profiles: ProfileCache, store: UsersStore): IdentityClient {
  return {
    emailsByIds: async (ids) => new Map((await store.byIds(ids)).map((u) => [Number(u.id), u.email])),
    usersByIds: (ids) => profiles.byIds(ids),
    userByUsername: (username) => profiles.byUsername(username),
    standing: (userId) => profiles.standing(userId),
  };
}
