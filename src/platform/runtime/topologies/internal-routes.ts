import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../../http/create-app.js';
import { INTERNAL_SIG_HEADER, signedRequestOf, verify, type SignatureWindow } from '../../auth/gateway-identity.js';
import { errors } from '../../errors/catalog.js';

/**
 * Mounts a service's internal routes (service-to-service calls, never routed
 * by the gateway) under /internal/<service>, refusing any call without a
 * fresh signature of that very request (method, path, body) under INTERNAL_SECRET (403, as if it did not exist to
 * outsiders it is still an error in the catalog's shape).
 */
export async function mountInternalRoutes(app: App, service: string, routes: FastifyPluginAsync, secret: string, window?: SignatureWindow): Promise<void> {
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', async (request) => {
        const signature = request.headers[INTERNAL_SIG_HEADER];
        if (typeof signature !== 'string' || !verify(secret, 'internal', signature, signedRequestOf(request), window)) throw errors.notFound('route');
      });
      await scope.register(routes);
    },
    { prefix: `/internal/${service}` },
  );
}
