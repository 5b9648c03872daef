import type { IdentityClient } from '../../contracts/identity.js';
import type { ProfileCache } from './data/profile-cache.js';

/** The in-process implementation of identity's contract for co-located callers, served from the profile cache. */
export function createIdentityClient(profiles: ProfileCache): IdentityClient {
  return {
    usersByIds: (ids) => profiles.byIds(ids),
    userByUsername: (username) => profiles.byUsername(username),
    standing: (userId) => profiles.standing(userId),
  };
}
