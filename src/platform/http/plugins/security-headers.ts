import type { IncomingMessage, ServerResponse } from 'node:http';
import fp from 'fastify-plugin';
import helmet from 'helmet';

/**
 * The usual security headers on every answer, from helmet (the library
 * @fastify/helmet wraps). @fastify/helmet rebuilds helmet's middleware on
 * every request (about 3 µs, plus a promise) and sets headers on the raw
 * response, which sends every other header of the answer through Node's
 * slower setHeader merge too. The headers never change here, so helmet's
 * middleware runs once, its headers are recorded, and each answer gets them
 * with reply.headers() from a callback hook.
 *
 * The server answers JSON only, so one policy fits everything it sends:
 * `default-src 'none'` (nothing an answer could load or run, should one ever
 * be rendered as a page), `frame-ancestors 'none'` and `X-Frame-Options:
 * DENY` (never framed), `nosniff` (JSON is never read as script or HTML),
 * `Referrer-Policy: no-referrer`. A fetch() from a page on another origin is
 * unaffected: a response's CSP governs that response as a document, not the
 * page that fetched it (plugins/cors.ts decides who may read answers).
 * Headers that only matter to HTML documents, to retired browsers or to the
 * TLS terminator are left off: each costs bytes and CPU on every answer.
 */
const SECURITY_HEADERS = recordHeaders(
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] },
    },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Left to the TLS terminator, which knows whether the site is HTTPS-only (browsers ignore it over plain HTTP).
    strictTransportSecurity: false,
    // Browsers already refuse JSON to no-cors loads (ORB); CORS decides who reads an answer.
    crossOriginResourcePolicy: false,
    crossOriginOpenerPolicy: false,
    crossOriginEmbedderPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  }),
);

/** The headers a (request-independent) helmet middleware sets, by running it once against a recording response. */
function recordHeaders(middleware: ReturnType<typeof helmet>): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = { setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)), removeHeader: () => {} };
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  return headers;
}

export const securityHeaders = fp(
  (app, _options, done) => {
    app.addHook('onRequest', (_request, reply, next) => {
      void reply.headers(SECURITY_HEADERS);
      next();
    });
    done();
  },
  { name: 'security-headers' },
);
