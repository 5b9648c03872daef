import { LRUCache } from 'lru-cache';
import { errors } from '../errors/catalog.js';

/** What the auth hook asks about a request's user before trusting it. */
export interface UserCheckQuery {
  /** The token's version (claim `ver`); undefined for a gateway-signed identity, whose token the gateway checked. */
  tokenVersion?: number | undefined;
  /** The request changes state: it must not be let through on a stale cached answer. */
  write: boolean;
  /** The role the route needs (config.role); a user without it gets 403. */
  role?: Role | undefined;
}

/** Whether a request's user is still good: the user exists and, for a token, it is of the user's current version. */
export type UserCheck = (userId: number, query: UserCheckQuery) => Promise<boolean>;

/** What the service that owns users says of one: null when there is no such user (anymore). */
export interface UserStanding {
  tokenVersion: number;
  /** Absent in answers cached before roles existed: read as `customer` alone. */
  roles?: Role[] | undefined;
}

/** What a user may do beyond their own data: every user is a customer; `admin` is granted by the operator (`scalestack users grant-admin`). */
export type Role = 'customer' | 'admin';

/**
 * False: no such user, or a token of another version (401). A user who is good but lacks the route's role
 * gets 403 (thrown): the roles come from the user's current standing, not from the token, so revoking a role
 * takes effect without waiting for tokens to expire.
 */
export function standingAccepts(standing: UserStanding | null | undefined, query: UserCheckQuery): boolean {
  if (!standing) return false;
  if (query.tokenVersion !== undefined && query.tokenVersion !== standing.tokenVersion) return false;
  if (query.role && !(standing.roles ?? ['customer']).includes(query.role)) throw errors.roleRequired(query.role);
  return true;
}

/**
 * The check in a process that does not own users: it asks the owner (over
 * HTTP, `lookup`) and keeps the answer in process for `ttlMs` — for reads
 * only. A write always asks, because no event can reach this cache when the
 * bus is in process (each process has its own), so a deleted user or a
 * revoked token is refused at once where it matters; a read may see the old
 * answer for at most `ttlMs`, and then only as the viewer of public data.
 * `forget` drops an entry early (e.g. on a user-deleted event).
 */
export function createRemoteUserCheck(lookup: (userId: number) => Promise<UserStanding | null>, ttlMs = 5000, max = 50_000) {
  const cache = new LRUCache<number, { standing: UserStanding | null }>({ max, ttl: ttlMs });
  const fetch = async (userId: number) => {
    // The owner unreachable: the user cannot be vouched for, which is a 503 (retry), not a 500 and not a pass.
    const standing = await lookup(userId).catch(() => {
      throw errors.upstreamUnavailable('identity');
    });
    cache.set(userId, { standing });
    return standing;
  };
  const check: UserCheck = async (userId, query) => {
    const hit = query.write ? undefined : cache.get(userId);
    return standingAccepts(hit ? hit.standing : await fetch(userId), query);
  };
  return { check, forget: (userId: number) => void cache.delete(userId) };
}
