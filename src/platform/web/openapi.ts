import type { App } from '../http/create-app.js';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

/**
 * OpenAPI 3.1 generated from the route schemas every service already declares (the validator's
 * TypeBox schemas), so the document cannot drift from what is enforced. Registered before any
 * service mounts its routes (@fastify/swagger collects them as they are added). Served at
 * /api/openapi.json and browsable at /docs with swagger-ui's own files (no CDN).
 * Internal routes (/internal/*) and the platform's probes stay out of the document.
 */
export async function registerOpenApi(app: App): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'scalestack: the RealWorld (Conduit) API and more', version: '1.0.0' },
      components: { securitySchemes: { Token: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`Token <jwt>`' } } },
    },
    transform: ({ schema, url }) => {
      const documented = url.startsWith('/api/') && url !== '/api/openapi.json';
      return { schema: documented ? schema : { ...schema, hide: true }, url };
    },
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(async (scope) => {
    // swagger-ui's page and its own inline styles; the rest of the API keeps `default-src 'none'`.
    scope.addHook('onRequest', (_request, reply, done) => {
      void reply.header('content-security-policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'");
      done();
    });
    await scope.register(swaggerUi, { routePrefix: '/docs', uiConfig: { url: '/api/openapi.json', validatorUrl: null } as never });
  });
}
