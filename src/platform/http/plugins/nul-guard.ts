import fp from 'fastify-plugin';
import { errors } from '../../errors/catalog.js';

/** Postgres text cannot hold NUL: a URL carrying one is refused at the door rather than failing in SQL. */
export const urlNulGuard = fp(
  (app, _options, done) => {
    app.addHook('onRequest', (request, _reply, next) => {
      if (/%00/.test(request.url)) return next(errors.badUrl('must not contain NUL characters'));
      next();
    });
    done();
  },
  { name: 'url-nul-guard' },
);
