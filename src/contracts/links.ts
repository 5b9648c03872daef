/**
 * What other services may ask links (social shortening URLs in posts, say).
 * The links service implements it in process; callers import this file, never the service.
 */
export interface ShortLink {
  code: string;
  url: string;
}

export interface LinksClient {
  /** A new short link owned by `ownerId`, under the same rules as POST /api/links (http(s) only, blocklist). */
  shorten(ownerId: number, url: string): Promise<ShortLink>;
  /** Where `code` redirects now, or null (unknown, expired or disabled); served from the cache. */
  target(code: string): Promise<string | null>;
}

export const LINKS = 'links';
