import fastifyCors from '@fastify/cors';
import fp from 'fastify-plugin';
import { errors } from '../../errors/catalog.js';
import { sendError } from '../error-handler.js';

/**
 * CORS, from @fastify/cors, so RealWorld front ends on their own origin can
 * call the API (the point of RealWorld is pairing any front end with any
 * back end). CORS_ORIGINS is `*` (the default), `none`, or a comma-separated
 * list of origins (`https://app.example,http://localhost:4200`).
 *
 * Why `*` by default: the API authenticates with a bearer token in the
 * Authorization header, never a cookie, so a page on another origin gets
 * nothing by calling it that it could not get with its own token; no
 * credentials mode is offered (`Access-Control-Allow-Credentials` is never
 * sent). A list narrows it (the allowed origin is echoed, with `Vary: Origin`).
 *
 * Preflights are answered in the onRequest hook (204), before identify, rate
 * limits or any route: a preflight carries no Authorization. @fastify/cors
 * takes every OPTIONS (its route is `OPTIONS *`), so an OPTIONS on a path no
 * route serves is answered first, here, as any other method on it is: 404
 * (or 414), not a 204 saying the path exists.
 */
export interface CorsSettings {
  /** CORS_ORIGINS as configured. */
  origins: string;
}

/** Headers a browser client may read besides the safelisted ones: revalidation, rate limits, diagnosis. */
export const EXPOSED_HEADERS = ['ETag', 'RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id', 'X-Error-Code'];

/** `*`, `none` (CORS off) or a list of origins. */
export function allowedOrigins(value: string): '*' | false | string[] {
  const trimmed = value.trim();
  if (trimmed === '*') return '*';
  if (trimmed === 'none' || trimmed === '') return false;
  return trimmed.split(',').map((origin) => origin.trim()).filter(Boolean);
}

export const cors = fp<CorsSettings>(
  async (app, { origins }) => {
    const origin = allowedOrigins(origins);
    if (origin === false) return;
    app.addHook('onRequest', (request, reply, done) => {
      if (request.method !== 'OPTIONS') return done();
      const { methods, tooLong } = app.servedMethods(request.url);
      if (methods.length > 0) return done();
      sendError(reply, tooLong ? errors.badUrl('is too long', 414) : errors.notFound('route'));
    });
    await app.register(fastifyCors, {
      origin,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
      // allowedHeaders unset: whatever headers the preflight asks for (Content-Type, Authorization, If-None-Match...) are allowed.
      // Joined once here: given the list, @fastify/cors joins it again for every answer.
      exposedHeaders: EXPOSED_HEADERS.join(', '),
      credentials: false,
      // Browsers may reuse a preflight answer for 10 minutes (Chromium caps it at 2 hours).
      maxAge: 600,
      // A bare OPTIONS (no Origin) gets the same 204 rather than @fastify/cors's text/plain 400, which is not in the catalog's shape.
      strictPreflight: false,
    });
    if (Array.isArray(origin)) {
      // The answer depends on Origin, so a shared cache must key on it. @fastify/cors says so before the
      // handler runs; a handler that sets Vary itself (the gateway copying a replica's) would drop it.
      app.addHook('onSend', (_request, reply, payload, next) => {
        const vary = reply.getHeader('vary');
        if (!/(^|,)\s*origin\s*(,|$)/i.test(String(vary ?? ''))) void reply.header('vary', vary ? `${String(vary)}, Origin` : 'Origin');
        next(null, payload);
      });
    }
  },
  { name: 'cors', dependencies: ['route-not-found'] },
);
