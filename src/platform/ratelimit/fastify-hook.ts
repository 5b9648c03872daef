import type { App } from '../http/create-app.js';
import { errors } from '../errors/catalog.js';
import { sendError } from '../http/error-handler.js';
import type { RateLimiter } from './rate-limiter.js';

/**
 * The limiter as a Fastify hook, for a process without a gateway in front
 * (the embedded topology). Runs after authentication, so 'user' policies
 * see the verified user.
 */
export function registerRateLimitHook(app: App, limiter: RateLimiter): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? request.url;
    const decision = await limiter.check({ method: request.method, path, ip: request.ip, userId: request.userId });
    void reply.headers(decision.headers);
    if (!decision.allowed) {
      void reply.header('retry-after', String(decision.retryAfterSeconds ?? 1));
      return sendError(reply, errors.rateLimited(decision.refusedBy ?? 'rate'));
    }
  });
}
