import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from '../../metrics/metrics.js';
import { serviceOf } from '../route-service.js';

/** The in-flight gauge: up when a request arrives, down once when it is answered or aborted. */
export const inFlightGauge = fp<{ metrics: Metrics }>(
  (app, { metrics }, done) => {
    const inFlight = new WeakSet<object>();
    const answered = (request: FastifyRequest) => {
      if (inFlight.delete(request)) metrics.inFlight.finished(serviceOf(request));
    };
    // Hooks that never wait are callback style: an async hook costs a promise per request for nothing.
    app.addHook('onRequest', (request, _reply, next) => {
      inFlight.add(request);
      metrics.inFlight.started(serviceOf(request));
      next();
    });
    app.addHook('onRequestAbort', (request, next) => {
      answered(request);
      next();
    });
    app.addHook('onResponse', (request, _reply, next) => {
      answered(request);
      next();
    });
    done();
  },
  { name: 'in-flight-gauge' },
);
