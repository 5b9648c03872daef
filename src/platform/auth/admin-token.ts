import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../errors/catalog.js';

/**
 * Admin endpoints (metrics, the gateway's view of its upstreams, the
 * supervisor's restarts) answer only `Authorization: Bearer <ADMIN_TOKEN>`
 * (docs/adr/0018-internal-trust-and-admin.md). Without a configured token
 * there is no way in: `required` endpoints are refused to everyone.
 */
export function adminAuthorized(token: string | undefined, authorization: string | string[] | undefined): boolean {
  if (!token || typeof authorization !== 'string') return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Route options for an admin route: the user-token check steps aside, this one runs (401 from the catalog without the token). */
export function adminRoute(token: string | undefined) {
  return { config: { auth: 'admin' as const }, onRequest: requireAdmin(token) };
}

function requireAdmin(token: string | undefined) {
  return (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
    if (adminAuthorized(token, request.headers.authorization)) return done();
    void reply.header('www-authenticate', 'Bearer realm="scalestack-admin"');
    done(request.headers.authorization === undefined ? errors.tokenMissing() : errors.tokenInvalid());
  };
}
