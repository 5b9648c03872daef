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

/** LINKS_BASE_URL, or the origin the request came to (behind the gateway, the gateway's Host). */
export function baseUrlOf(request: FastifyRequest, configured: string | undefined): string {
  return configured ?? `${request.protocol}://${request.host}`;
}
