/**
 * What other services may ask identity. The identity service implements it;
 * the runtime hands callers an in-process implementation when co-located
 * (an HTTP one when remote). Callers import this file, never the service.
 */
export interface UserProfile {
  id: number;
  username: string;
  bio: string | null;
  image: string | null;
}

export interface IdentityClient {
  /** Profiles for the given ids, in one round trip; unknown ids are absent from the map. */
  usersByIds(ids: readonly number[]): Promise<Map<number, UserProfile>>;
  userByUsername(username: string): Promise<UserProfile | null>;
}

export const IDENTITY = 'identity';

/**
 * Cache tag for entries that embed identity's profiles (e.g. social's list
 * pages with their authors): identity invalidates it, before answering,
 * whenever a profile changes, so such entries never outlive the profile.
 */
export const PROFILES_CACHE_TAG = 'identity:profiles';
