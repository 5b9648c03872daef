import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../../platform/errors/catalog.js';
import { isReservedRootSegment } from '../../../platform/http/reserved-paths.js';
import type { LinksDomain, Resolution } from '../domain/links.js';
import type { LinkRecord } from '../data/links.store.js';
import { referrerHost, uaClass, type ClickEvent } from '../domain/click.js';

const CODE = /^[A-Za-z0-9_-]{3,64}$/;

/**
 * `GET /:code` at the site root. Static routes (/healthz, /readyz, /metrics,
 * and whatever the web client mounts) win over this parametric one in the
 * router; reserved first segments and anything that is not a code (a file
 * name has a dot) are a 404 here, so /api, /favicon.ico and /app never redirect.
 */
export function redirectRoutes(links: LinksDomain): FastifyPluginAsync {
  return async (app) => {
    // Not an async function on purpose: a code the near cache holds is answered without a single promise
    // (a cached redirect is the hottest path there is; see the Figures in docs/patterns/url-shortener.md).
    app.get<{ Params: { code: string } }>('/:code', (request, reply) => {
      const { code } = request.params;
      if (!CODE.test(code) || isReservedRootSegment(code)) throw errors.notFound('link');
      const held = links.resolveHeld(code);
      if (held === undefined) return redirectLoaded(links, request, reply, code);
      const record = redirectable(held);
      const click = clickOf(request, code);
      if (!links.clickedNow(record, click)) return links.clicked(record, click).then(() => redirect(reply, record));
      redirect(reply, record);
    });
  };
}

/** The path for a code the near cache does not hold (or a sharded link): L1/L2, then one indexed read. */
async function redirectLoaded(links: LinksDomain, request: FastifyRequest, reply: FastifyReply, code: string): Promise<FastifyReply> {
  const record = redirectable(await links.resolve(code));
  await links.clicked(record, clickOf(request, code));
  return redirect(reply, record);
}

function redirectable(resolution: Resolution | null): LinkRecord {
  if (!resolution) throw errors.notFound('link');
  if ('gone' in resolution) throw errors.gone('link', resolution.gone);
  return resolution.record;
}

function clickOf(request: FastifyRequest, code: string): ClickEvent {
  return { at: Date.now(), code, referrer: referrerHost(request.headers.referer), country: 'ZZ', ua: uaClass(request.headers['user-agent']) };
}

function redirect(reply: FastifyReply, record: LinkRecord): FastifyReply {
  // 302 is never stored, so every visit is counted; a 301 may be kept by browsers for an hour (repeat visits uncounted).
  return reply
    .code(record.permanent ? 301 : 302)
    .header('location', record.url)
    .header('cache-control', record.permanent ? 'public, max-age=3600' : 'private, no-store')
    .send();
}
