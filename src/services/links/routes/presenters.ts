import type { FastifyRequest } from 'fastify';
import type { LinkView } from '../domain/links.js';

/** The public shape of a link; the owner's id stays inside. */
export function linkJson(view: LinkView, baseUrl: string) {
  return {
    code: view.code,
    shortUrl: `${baseUrl}/${view.code}`,
    url: view.url,
    permanent: view.permanent,
    expiresAt: view.expiresAt,
    disabled: view.disabled,
    clicks: view.clicks,
    createdAt: view.createdAt,
  };
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;

/**
 * LINKS_BASE_URL, or the origin the request came to: behind the gateway its
 * X-Forwarded-Host (the gateway replaces any the client sent). Only the
 * creator's own response carries it, so a forged header misleads no one else;
 * set LINKS_BASE_URL in production.
 */
export function baseUrlOf(request: FastifyRequest, configured: string | undefined): string {
  if (configured) return configured;
  const forwarded = request.headers['x-forwarded-host'];
  const host = typeof forwarded === 'string' && HOST.test(forwarded) ? forwarded : request.host;
  return `${request.protocol}://${host}`;
}
