import type { FastifyRequest } from 'fastify';

/**
 * The path a request is about, as the router understood it: the matched
 * route's template with each parameter's decoded value put back encoded
 * (`/api/articles/a%2Fb`), so every spelling that reaches a route
 * (`/api/users/login/`, `/api/users/logi%6E`, absolute-form
 * `http://host/api/users/login`, `/%61pi/articles`) has one canonical form.
 * Rate limits match it, and the gateway forwards it: what is limited and
 * what is routed are the same thing, and a parameter can never climb out of
 * its route (an encoded `/` stays encoded, `..` becomes `%2E%2E`).
 * Unmatched requests (404s) keep their raw path without the query.
 */
export function canonicalPath(request: FastifyRequest): string {
  const template = request.is404 ? undefined : request.routeOptions.url;
  if (template === undefined) return rawPath(request.url);
  const params = (request.params ?? {}) as Record<string, string | undefined>;
  return template.replace(/:([A-Za-z0-9_]+)/g, (_match, name: string) => encodeSegment(params[name] ?? ''));
}

/** The query string of the request target, '?' included ('' when none); a fragment (invalid in a target) is dropped. */
export function rawQuery(url: string): string {
  const target = url.split('#', 1)[0]!;
  const q = target.indexOf('?');
  return q < 0 || q === target.length - 1 ? '' : target.slice(q);
}

function rawPath(url: string): string {
  const target = url.split(/[?#]/, 1)[0]!;
  // Absolute form (`http://host/path`): the path part only.
  const absolute = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*/.exec(target);
  const path = absolute ? target.slice(absolute[0].length) : target;
  return path.startsWith('/') ? path : `/${path}`;
}

function encodeSegment(value: string): string {
  if (value === '.' || value === '..') return value.replace(/\./g, '%2E');
  return encodeURIComponent(value);
}
