import { hash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * How a GET answer may be cached by clients and proxies, declared per route
 * (`config: { httpCache }`). No policy lets a browser reuse an answer without
 * asking: a user's own write must show on their next read (read-your-writes),
 * and a revalidation with the ETag costs a 304 and no body.
 * - `{ shared: seconds }`: the same for everyone (tags). Browsers revalidate
 *   every time (`max-age=0`); shared caches (a CDN) may keep it that long
 *   (`s-maxage`). Signed-in requests get `private, no-cache`, and
 *   `Vary: Authorization` keeps a shared cache from handing the anonymous
 *   copy to the writer.
 * - `'viewer'`: depends on who asks (favorited, following): revalidate every
 *   time (`no-cache`), `private` when signed in, and `Vary: Authorization`
 *   so shared caches key on the caller.
 * - `'no-store'` (the default): never stored (tokens, errors).
 */
export type HttpCachePolicy = { shared: number } | 'viewer' | 'no-store';

declare module 'fastify' {
  interface FastifyContextConfig {
    httpCache?: HttpCachePolicy;
  }
}

export const viewerDependent = { config: { httpCache: 'viewer' } } as const;

/** onSend, callback style (nothing here waits): Cache-Control and Vary from the route's policy; a strong ETag, and 304 when If-None-Match matches. */
export function applyHttpCaching(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void {
  done(null, cachingOf(request, reply, payload));
}

function cachingOf(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  if (request.method !== 'GET' && request.method !== 'HEAD') return payload;
  if (reply.statusCode !== 200 || reply.hasHeader('cache-control')) {
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    return payload;
  }
  const policy = request.routeOptions.config.httpCache ?? 'no-store';
  void reply.header('cache-control', cacheControl(policy, request.headers.authorization !== undefined));
  if (policy !== 'no-store') varyOn(reply, 'Authorization');
  if (policy === 'no-store' || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) return payload;

  // One-shot hash: no Hash object per response (about 40% cheaper than createHash for a 1.5 KB body).
  const etag = `"${hash('sha1', payload, 'base64url')}"`;
  void reply.header('etag', etag);
  if (matches(request.headers['if-none-match'], etag)) {
    void reply.code(304).removeHeader('content-type').removeHeader('content-length');
    return '';
  }
  return payload;
}

function cacheControl(policy: HttpCachePolicy, signedIn: boolean): string {
  if (policy === 'no-store') return 'no-store';
  if (signedIn) return 'private, no-cache';
  if (policy === 'viewer') return 'no-cache';
  return `public, max-age=0, s-maxage=${policy.shared}`;
}

/** Adds to Vary rather than replacing it: CORS may have put `Origin` there (plugins/cors.ts). */
function varyOn(reply: FastifyReply, field: string): void {
  const current = reply.getHeader('vary');
  void reply.header('vary', current === undefined || current === '' ? field : `${String(current)}, ${field}`);
}

/** If-None-Match uses weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored; `*` matches anything. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}
