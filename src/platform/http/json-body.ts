import type { FastifyRequest } from 'fastify';
import { errors } from '../errors/catalog.js';

type Done = (err: Error | null, body?: unknown) => void;

/**
 * Fastify's JSON body parser, but refusing NUL characters in strings
 * (Postgres text cannot store them, so they would fail as a 500 deep in
 * SQL). The reviver only runs when the raw text contains an escaped NUL.
 *
 * An empty body is no body: RealWorld clients send `Content-Type:
 * application/json` with nothing on favorite, follow and the DELETEs, which
 * take none. It is still "not valid JSON" where the route expects a body.
 */
export function parseJsonBody(request: FastifyRequest, body: string | Buffer, done: Done): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.length === 0) return request.routeOptions.schema?.body ? done(errors.malformedBody('is not valid JSON')) : done(null, undefined);
  try {
    done(null, text.includes('\\u0000') ? JSON.parse(text, refuseNul) : JSON.parse(text));
  } catch (err) {
    done(err instanceof SyntaxError ? errors.malformedBody('is not valid JSON') : (err as Error));
  }
}

function refuseNul(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.includes('\u0000')) throw errors.malformedBody('must not contain NUL characters');
  return value;
}
