import fp from 'fastify-plugin';
import { applyHttpCaching } from '../http-cache.js';

/** Cache-Control, Vary, ETag and 304 for GET answers, from each route's policy (see http-cache.ts). */
export const httpCaching = fp(
  (app, _options, done) => {
    app.addHook('onSend', applyHttpCaching);
    done();
  },
  { name: 'http-caching' },
);
