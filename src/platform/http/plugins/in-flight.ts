import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from '../../metrics/metrics.js';
import { serviceOf } from '../route-service.js';

/** The in-flight gauge: up when a request arrives, down once when it is answered or aborted. */
export const inFlightGauge = fp<{ metrics: Metrics }>(
  (app, { metrics }, done) => {
    // Each request's service label, kept from arrival (Fastify builds request.routeOptions anew on every access).
    const inFlight = new WeakMap<FastifyRequest, string>();
    const answered = (request: FastifyRequest) => {
      const service = inFlight.get(request);
      if (service === undefined) return;
      inFlight.delete(request);
      metrics.inFlight.finished(service);
    };
    // Hooks that never wait are callback style: an async hook costs a promise per request for nothing.
    app.addHook('onRequest', (request, _reply, next) => {
      const service = serviceOf(request);
      inFlight.set(request, service);
      metrics.inFlight.started(service);
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
