import type { App } from '../http/create-app.js';
import { errors } from '../errors/catalog.js';
import { sendError } from '../http/error-handler.js';
import type { RateLimiter } from './rate-limiter.js';
import { canonicalPath } from '../http/canonical-path.js';

/**
 * The limiter as a Fastify hook, for a process without a gateway in front
 * (the embedded topology) and in the gateway. Runs after authentication,
 * so 'user' policies see the verified user, and after routing: policies
 * match the route's canonical path (see canonical-path.ts), never the raw
 * spelling a client chose.
 */
export function registerRateLimitHook(app: App, limiter: RateLimiter): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = canonicalPath(request);
    const decision = await limiter.check({ method: request.method, path, ip: request.ip, userId: request.userId });
    void reply.headers(decision.headers);
    if (!decision.allowed) {
      void reply.header('retry-after', String(decision.retryAfterSeconds ?? 1));
      return sendError(reply, errors.rateLimited(decision.refusedBy ?? 'rate'));
    }
  });
}
