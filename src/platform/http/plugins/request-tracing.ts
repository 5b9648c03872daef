import fp from 'fastify-plugin';
import { httpTracingHooks } from '../../tracing/http-spans.js';

/** One span per request (see tracing/http-spans.ts); registered first so it covers every later hook, and SQL nests under it. */
export const requestTracing = fp(
  (app, _options, done) => {
    app.addHook('onRequest', httpTracingHooks.onRequest);
    app.addHook('onResponse', httpTracingHooks.onResponse);
    app.addHook('onRequestAbort', httpTracingHooks.onRequestAbort);
    done();
  },
  { name: 'request-tracing' },
);
