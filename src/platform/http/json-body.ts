import { errors } from '../errors/catalog.js';

type Done = (err: Error | null, body?: unknown) => void;

/**
 * Fastify's JSON body parser, but refusing NUL characters in strings
 * (Postgres text cannot store them, so they would fail as a 500 deep in
 * SQL). The reviver only runs when the raw text contains an escaped NUL.
 */
export function parseJsonBody(_request: unknown, body: string | Buffer, done: Done): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.length === 0) return done(errors.malformedBody('is not valid JSON'));
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
