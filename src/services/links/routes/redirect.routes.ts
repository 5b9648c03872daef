import type { FastifyPluginAsync } from 'fastify';
import { errors } from '../../../platform/errors/catalog.js';
import { isReservedRootSegment } from '../../../platform/http/reserved-paths.js';
import type { LinksDomain } from '../domain/links.js';
import { referrerHost, uaClass } from '../domain/click.js';

const CODE = /^[A-Za-z0-9_-]{3,64}$/;

/**
 * `GET /:code` at the site root. Static routes (/healthz, /readyz, /metrics,
 * and whatever the web client mounts) win over this parametric one in the
 * router; reserved first segments and anything that is not a code (a file
 * name has a dot) are a 404 here, so /api, /favicon.ico and /app never redirect.
 */
export function redirectRoutes(links: LinksDomain): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { code: string } }>('/:code', async (request, reply) => {
      const { code } = request.params;
      if (!CODE.test(code) || isReservedRootSegment(code)) throw errors.notFound('link');
      const resolution = await links.resolve(code);
      if (!resolution) throw errors.notFound('link');
      if ('gone' in resolution) throw errors.gone('link', resolution.gone);
      const { record } = resolution;
      await links.clicked(record, {
        at: Date.now(),
        code,
        referrer: referrerHost(request.headers.referer),
        country: 'ZZ',
        ua: uaClass(request.headers['user-agent']),
      });
      // 302 is never stored, so every visit is counted; a 301 may be kept by browsers for an hour (repeat visits uncounted).
      return reply
        .code(record.permanent ? 301 : 302)
        .header('location', record.url)
        .header('cache-control', record.permanent ? 'public, max-age=3600' : 'private, no-store')
        .send();
    });
  };
}
