import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { tokenFromHeader, type TokenService } from '../../auth/tokens.js';
import { USER_ID_HEADER, USER_SIG_HEADER, signedBodyHooks, signedRequestOf, verifiedUserId, type SignatureWindow } from '../../auth/gateway-identity.js';
import type { UserCheck } from '../../auth/user-check.js';
import { errors } from '../../errors/catalog.js';

export interface IdentifyOptions {
  tokens: TokenService;
  /**
   * Whether a request's user is still good (exists; for a token, of the user's current version):
   * a validly signed token or gateway identity of a user that is gone, or a token older than a password change, is invalid.
   */
  userExists: UserCheck;
  /** INTERNAL_SECRET: when set, a request signed by the gateway (x-user-id + x-user-sig) is trusted without the JWT. */
  internalSecret?: string | undefined;
  /** How old / how far ahead a gateway signature may be (INTERNAL_SIG_MAX_AGE_MS, INTERNAL_SIG_MAX_FUTURE_MS). */
  signatureWindow?: SignatureWindow | undefined;
}

/**
 * Who is asking (request.userId): a gateway-signed identity or a token,
 * each checked against users that still exist; 401 on a route that needs a
 * user and has none. Every later hook (rate limits keyed by user) and the
 * handler see the verified user.
 */
export const identify = fp<IdentifyOptions>(
  (app, settings, done) => {
    app.decorateRequest('userId', null);

    const identifyRequest = async (request: FastifyRequest): Promise<void> => {
      const asserted = request.headers[USER_ID_HEADER] ?? request.headers[USER_SIG_HEADER];
      const token = tokenFromHeader(request.headers.authorization);
      if (asserted !== undefined) {
        // An identity asserted by the gateway: trusted only with a valid signature (never from a client).
        const userId = verifiedUserId(
          settings.internalSecret,
          header(request.headers[USER_ID_HEADER]),
          header(request.headers[USER_SIG_HEADER]),
          signedRequestOf(request),
          settings.signatureWindow,
        );
        if (userId === null || !(await settings.userExists(userId, { write: isWrite(request), role: request.routeOptions.config.role }))) throw errors.tokenInvalid();
        request.userId = userId;
      } else if (token !== undefined) {
        const verified = token === null ? null : await settings.tokens.verify(token);
        if (verified === null || !(await settings.userExists(verified.userId, { tokenVersion: verified.version, write: isWrite(request), role: request.routeOptions.config.role }))) {
          throw errors.tokenInvalid();
        }
        request.userId = verified.userId;
      }
      if (request.userId === null && request.routeOptions.config.auth === 'required') throw errors.tokenMissing();
    };

    app.addHook('onRequest', (request, _reply, next) => {
      // Read once: Fastify builds request.routeOptions anew on every access.
      const { config } = request.routeOptions;
      // Admin routes check their own credential (auth/admin-token.ts).
      if (config.auth === 'admin') return next();
      // Most reads are anonymous: they pass without a promise.
      const { headers } = request;
      const fromQuery = config.queryToken ? (request.query as Record<string, unknown> | undefined)?.['token'] : undefined;
      if (headers.authorization === undefined && typeof fromQuery === 'string') headers.authorization = `Token ${fromQuery}`;
      if (headers.authorization === undefined && headers[USER_ID_HEADER] === undefined && headers[USER_SIG_HEADER] === undefined) {
        return next(config.auth === 'required' ? errors.tokenMissing() : undefined);
      }
      identifyRequest(request).then(() => next(), next);
    });
    // A gateway signature covers the body's digest: these check the bytes read are the bytes signed.
    app.addHook('preParsing', signedBodyHooks.preParsing);
    app.addHook('preValidation', signedBodyHooks.preValidation);
    done();
  },
  { name: 'identify' },
);

const isWrite = (request: FastifyRequest) => request.method !== 'GET' && request.method !== 'HEAD';

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}
