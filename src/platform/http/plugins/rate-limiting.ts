import fp from 'fastify-plugin';
import { errors } from '../../errors/catalog.js';
import type { RateLimiter } from '../../ratelimit/rate-limiter.js';
import { canonicalPath } from '../canonical-path.js';
import { sendError } from '../error-handler.js';

/**
 * The limiter on every request, for a process without a gateway in front (the embedded topology) and in the
 * gateway: 429 with Retry-After when a policy refuses, RateLimit headers on every limited answer. After
 * `identify`, so 'user' policies see the verified user (Fastify refuses to register it before); policies match
 * the route's canonical path (see canonical-path.ts), never the raw spelling a client chose.
 */
export const rateLimiting = fp<{ limiter: RateLimiter }>(
  (app, { limiter }, done) => {
    app.addHook('onRequest', async (request, reply) => {
      const path = canonicalPath(request);
      const decision = await limiter.check({ method: request.method, path, ip: request.ip, userId: request.userId });
      void reply.headers(decision.headers);
      if (!decision.allowed) {
        void reply.header('retry-after', String(decision.retryAfterSeconds ?? 1));
        return sendError(reply, errors.rateLimited(decision.refusedBy ?? 'rate'));
      }
    });
    done();
  },
  { name: 'rate-limiting', dependencies: ['identify'] },
);
