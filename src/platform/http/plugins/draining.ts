import fp from 'fastify-plugin';
import { errors } from '../../errors/catalog.js';
import { sendError } from '../error-handler.js';

/** Once the server starts closing, a new request gets the catalog's 503 and a closed connection, so the client retries elsewhere. */
export const drainingRefusal = fp(
  (app, _options, done) => {
    let draining = false;
    app.addHook('preClose', (next) => {
      draining = true;
      next();
    });
    app.addHook('onRequest', (_request, reply, next) => {
      // A new request on a kept-alive connection while we drain: retry it elsewhere, on a new connection.
      if (draining) return void sendError(reply.header('connection', 'close').header('retry-after', '1'), errors.unavailable('server'));
      next();
    });
    done();
  },
  { name: 'draining-refusal' },
);
