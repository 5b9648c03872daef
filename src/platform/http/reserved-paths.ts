/**
 * First path segments the system keeps for itself at the site root: the API,
 * health and metrics, the internal and gateway admin routes, and what the web
 * client and static files will use. A route mounted at the root (a short
 * link's `/:code`) must never take one of these, whatever its case.
 */
export const RESERVED_ROOT_SEGMENTS: ReadonlySet<string> = new Set([
  'api',
  'internal',
  'gateway',
  'healthz',
  'readyz',
  'metrics',
  'supervisor',
  'restart',
  'replicas',
  // The web client (served at `/` and under these) and static files.
  'app',
  'assets',
  'static',
  'public',
  'index',
  'favicon',
  'robots',
  'sitemap',
  'manifest',
  'login',
  'register',
  'settings',
  'editor',
  'article',
  'profile',
  'admin',
  'docs',
  'well-known',
]);

/** True when `segment` (one path segment, no slash) is reserved, compared without case. */
export function isReservedRootSegment(segment: string): boolean {
  return RESERVED_ROOT_SEGMENTS.has(segment.toLowerCase());
}
