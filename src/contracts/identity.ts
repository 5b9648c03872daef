import { Type, type Static } from '@sinclair/typebox';

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

/** What a request's user is checked against: the user exists, and tokens of this version are the current ones. */
export interface UserStanding {
  tokenVersion: number;
  /** The user's roles now (`customer`, `admin`); absent in answers from before roles existed. */
  roles?: Role[] | undefined;
}

export type Role = 'customer' | 'admin';

/**
 * Published (identity's outbox) when an operator changes a user's roles
 * (`scalestack users grant-admin`): identity drops the user's cached standing
 * so the new roles apply at once in every process.
 */
export const USER_ROLES_CHANGED = 'identity.user.roles-changed';
export const UserRolesChangedEvent = Type.Object({ userId: Type.Integer({ minimum: 1 }) });
export type UserRolesChangedEvent = Static<typeof UserRolesChangedEvent>;

export interface IdentityClient {
  /** Profiles for the given ids, in one round trip; unknown ids are absent from the map. */
  usersByIds(ids: readonly number[]): Promise<Map<number, UserProfile>>;
  userByUsername(username: string): Promise<UserProfile | null>;
  /** Email addresses for the given ids (to mail users their notifications); never cached, an address change applies at once. Unknown ids are absent. */
  emailsByIds(ids: readonly number[]): Promise<Map<number, string>>;
  /** The user's standing, or null when there is no such user (anymore). */
  standing(userId: number): Promise<UserStanding | null>;
}

export const IDENTITY = 'identity';

/**
 * Cache tag for entries that embed identity's profiles (e.g. social's list
 * pages with their authors): identity invalidates it, before answering,
 * whenever a profile changes, so such entries never outlive the profile.
 */
export const PROFILES_CACHE_TAG = 'identity:profiles';

/**
 * Published (through identity's outbox, keyed by user id) when an account is
 * deleted: the row is gone when it is sent. Services holding the user's data
 * remove it; the user's tokens are already refused.
 */
export const USER_DELETED = 'identity.user.deleted';
export const UserDeletedEvent = Type.Object({
  userId: Type.Integer({ minimum: 1 }),
  username: Type.String(),
});
export type UserDeletedEvent = Static<typeof UserDeletedEvent>;
