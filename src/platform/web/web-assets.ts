import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { PACKAGE_ROOT } from '../runtime/app-paths.js';
import type { App } from '../http/create-app.js';
import fastifyStatic from '@fastify/static';
import { errors } from '../errors/catalog.js';
import { sendError } from '../http/error-handler.js';

/** Where tools/build-web.mjs puts the built client and console. */
export const WEB_DIST = join(PACKAGE_ROOT, 'web', 'dist') + sep;

/**
 * The browser's policy for our own pages (the API's answers keep `default-src 'none'`): scripts,
 * styles and API calls from this origin only; pictures may be any https URL a user put in a profile.
 */
const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Exactly three kinds of URL belong to the front end, and nothing else is claimed at the root:
 * `/` (the Conduit client; its routes live after the hash, /#/article/x), `/console` (the
 * operations console) and `/assets/*` (hashed, immutable files). No SPA fallback: an unknown
 * path stays a 404 from the catalog, and root-level routes of services (e.g. a short link
 * `GET /:code`) never meet the client. See docs/adr/0030-web-client-and-console.md.
 */
export async function registerWebAssets(app: App, dist = WEB_DIST): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRequest', (_request, reply, done) => {
      void reply.header('content-security-policy', PAGE_CSP);
      done();
    });
    if (!existsSync(`${dist}/index.html`)) {
      // `npm start` builds first (prestart); a process started otherwise says how to get the pages.
      const missing = async (_request: unknown, reply: Parameters<typeof sendError>[0]) => sendError(reply, errors.unavailable('web client (not built: node tools/build-web.mjs)'));
      scope.get('/', missing);
      scope.get('/console', missing);
      return;
    }
    await scope.register(fastifyStatic, { root: dist, serve: false, cacheControl: false, etag: true });
    scope.get('/', (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
    scope.get('/console', (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('console.html'));
    // Vite names these by content hash: a changed file is a new URL, so they can be kept for a year.
    scope.get('/assets/*', (request, reply) => {
      const file = (request.params as { '*': string })['*'];
      return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(`assets/${file}`);
    });
  });
}
