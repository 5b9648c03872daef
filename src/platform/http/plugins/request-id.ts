import fp from 'fastify-plugin';

/** Every answer names its request (`x-request-id`: the caller's, or a fresh UUID; see genReqId in create-app.ts). */
export const requestIdHeader = fp(
  (app, _options, done) => {
    app.addHook('onRequest', (request, reply, next) => {
      void reply.header('x-request-id', request.id);
      next();
    });
    done();
  },
  { name: 'request-id-header' },
);
