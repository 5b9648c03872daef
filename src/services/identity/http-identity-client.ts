import type { IdentityClient, UserProfile, UserStanding } from '../../contracts/identity.js';
import { createRemoteUserCheck, type UserCheck } from '../../platform/auth/user-check.js';
import { EMPTY_BODY_DIGEST, INTERNAL_SIG_HEADER, sign } from '../../platform/auth/gateway-identity.js';
import type { RemoteEndpoints } from '../../platform/runtime/service-module.js';
import { isConnectionError, isTimeoutError, ReplicaPools } from '../../platform/runtime/topologies/replica-pools.js';
import { errors } from '../../platform/errors/catalog.js';

const TIMEOUT_MS = 2000;
const BATCH = 500;

/**
 * identity's contract for callers in another process: signed GETs to
 * /internal/identity on keep-alive pools (undici), round-robin over the
 * replicas; a connection failure moves on to the next replica (the calls
 * are reads, safe to repeat), so a replica restarting costs no request.
 * Every other failure leaves as a catalog error, as the catalog's client does:
 * a call past its timeout is 504, identity answering 5xx is 502, no replica
 * reachable or every one draining is 503. Undici's own errors reached the
 * caller's error handler as 500s (seen under the autoscaler's overload step).
 */
export function createHttpIdentityClient(endpoints: RemoteEndpoints): IdentityClient & { close(): Promise<void>; userExists: UserCheck } {
  const pools = new ReplicaPools(endpoints);

  async function get<T>(path: string): Promise<{ status: number; body: T | null }> {
    const replicas = pools.inTurn();
    for (let attempt = 0; attempt < replicas.length * 2; attempt++) {
      const pool = replicas[attempt % replicas.length]!;
      try {
        const target = `/internal/identity${path}`;
        const res = await pool.request({
          method: 'GET',
          path: target,
          headers: { [INTERNAL_SIG_HEADER]: sign(endpoints.secret, 'internal', { method: 'GET', path: target, bodyDigest: EMPTY_BODY_DIGEST }) },
          headersTimeout: TIMEOUT_MS,
          bodyTimeout: TIMEOUT_MS,
        });
        if (res.statusCode === 503) {
          // A draining replica: the next one may serve it.
          await res.body.dump();
          continue;
        }
        if (res.statusCode === 404) {
          // Only identity's own "user: not found" means no such user. A refused signature is a 404 too (internal
          // routes hide themselves): clock skew or another INTERNAL_SECRET, which must not read as "user deleted".
          const answer = (await res.body.json().catch(() => null)) as { errors?: Record<string, unknown> } | null;
          if (answer?.errors?.['user'] === undefined) throw errors.upstreamUnavailable('identity');
          return { status: 404, body: null };
        }
        if (res.statusCode !== 200) {
          await res.body.dump();
          throw errors.upstreamUnavailable('identity', res.statusCode >= 500 ? 502 : 503);
        }
        return { status: 200, body: (await res.body.json()) as T };
      } catch (err) {
        if (isTimeoutError(err)) throw errors.timeout('identity');
        if (!isConnectionError(err)) throw err;
      }
    }
    // Every replica refused the connection or was draining (or none is known yet): identity is unavailable.
    throw errors.upstreamUnavailable('identity');
  }

  const standing = async (userId: number) => (await get<{ standing: UserStanding }>(`/users/${userId}/standing`)).body?.standing ?? null;
  // The auth check of the calling process: writes ask identity every time, reads may use an answer up to 5 s old.
  const userCheck = createRemoteUserCheck(standing);

  return {
    standing,
    userExists: userCheck.check,
    usersByIds: async (ids) => {
      const unique = [...new Set(ids)];
      const out = new Map<number, UserProfile>();
      for (let i = 0; i < unique.length; i += BATCH) {
        const { body } = await get<{ users: UserProfile[] }>(`/users?ids=${unique.slice(i, i + BATCH).join(',')}`);
        for (const user of body?.users ?? []) out.set(user.id, user);
      }
      return out;
    },
    emailsByIds: async (ids) => {
      const unique = [...new Set(ids)];
      const out = new Map<number, string>();
      for (let i = 0; i < unique.length; i += BATCH) {
        const { body } = await get<{ emails: { id: number; email: string }[] }>(`/emails?ids=${unique.slice(i, i + BATCH).join(',')}`);
        for (const { id, email } of body?.emails ?? []) out.set(id, email);
      }
      return out;
    },
    userByUsername: async (username) => {
      const { body } = await get<{ user: UserProfile }>(`/users/by-username/${encodeURIComponent(username)}`);
      return body?.user ?? null;
    },
    close: async () => {
      await pools.close();
    },
  };
}
