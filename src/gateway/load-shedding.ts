import fp from 'fastify-plugin';
import { errors } from '../platform/errors/catalog.js';
import { sendError } from '../platform/http/error-handler.js';
import type { LoadShedder } from './load-shedder.js';

/**
 * The shedder on every request the gateway takes: 503 with Retry-After while it says the gateway is overloaded,
 * before any other work (rate limits, routing, upstream calls) is spent on a request it will not serve well.
 * An admitted request counts as in flight until its connection's answer is done.
 */
export const loadShedding = fp<{ shedder: LoadShedder }>(
  (app, { shedder }, done) => {
    app.addHook('onRequest', async (request, reply) => {
      const reason = shedder.overloaded();
      if (reason) {
        shedder.shed++;
        request.log.warn({ reason, inFlight: shedder.inFlight, eventLoopDelayMs: shedder.eventLoopDelayMs }, 'gateway: shedding load');
        void reply.header('retry-after', '1');
        return sendError(reply, errors.overloaded());
      }
      shedder.inFlight++;
      reply.raw.once('close', () => shedder.inFlight--);
    });
    done();
  },
  { name: 'load-shedding' },
);
