import type { FastifyRequest } from 'fastify';
import { errors } from '../errors/catalog.js';
import type { StatementScope } from '../db/statement-scope.js';
import type { Role } from '../auth/user-check.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified user id from the Authorization header, or null for an anonymous request. */
    userId: number | null;
    /** SQL statements issued for this request so far (see db/statement-scope.ts). */
    statements: StatementScope | null;
  }
  interface FastifyContextConfig {
    /** 'required': anonymous requests get 401 before the body is even validated. 'admin': the Authorization header carries the admin token, not a user's (see auth/admin-token.ts). */
    auth?: 'required' | 'optional' | 'admin';
    /** The role a signed-in user needs for the route (403 without it); checked against the user's standing by the identify plugin. */
    role?: Role;
    /**
     * The token may also come as `?token=` (EventSource and browser WebSockets cannot set headers): used only when no
     * Authorization header is sent, on the routes that say so (live streams), never elsewhere.
     */
    queryToken?: boolean;
    /** The service that mounted the route (set by the runtime when mounting): the `service` label of request metrics. */
    service?: string;
  }
}

/** Route options for a route that needs a signed-in user. */
export const authRequired = { config: { auth: 'required' } } as const;

/** Route options for a route only admins may call (401 anonymous, 403 for a customer). */
export const adminRequired = { config: { auth: 'required', role: 'admin' } } as const;

/** The caller's id, or 401 `token is missing`. Use in routes that require auth. */
export function requireUser(request: FastifyRequest): number {
  if (request.userId === null) throw errors.tokenMissing();
  return request.userId;
}

/** The caller's id when authenticated, else null. Use in routes where auth is optional. */
export function viewerOf(request: FastifyRequest): number | null {
  return request.userId;
}
