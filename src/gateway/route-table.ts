/**
 * What the gateway routes, and nothing else: every public route of the
 * Conduit API, the service that serves it, whether it needs a signed-in
 * user (refused at the edge otherwise) and its timeout. Anything not listed
 * is answered at the gateway: unknown paths and /internal/* 404, another
 * method on a listed path 405 with Allow (platform/http/plugins/route-not-found.ts).
 */
export interface GatewayRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify path syntax. */
  path: string;
  service: string;
  auth: 'required' | 'optional';
  /** The role the signed-in user needs (403 at the edge without it); the service checks it again. */
  role?: 'admin';
  /** Per-route upstream timeout; the gateway default when absent. */
  timeoutMs?: number;
  /**
   * A long-lived answer: 'sse' streams the body as it comes with no body timeout (the service's heartbeats
   * keep it alive); 'websocket' is relayed frame by frame (src/gateway/proxy/websocket-relay.ts).
   */
  live?: 'sse' | 'websocket';
  /**
   * Takes a multipart/form-data upload (passed on as the bytes sent, bounded by the image limit). Every other
   * route refuses multipart at the edge with 415: a large body a service refuses unread must never reach it.
   */
  upload?: true;
}

const identity = 'identity';
const social = 'social';
const links = 'links';
const catalog = 'catalog';
const notifications = 'notifications';
const orders = 'orders';

/** Password hashing (argon2) is slow on purpose: login and register get more time than reads. */
const SLOW = 15_000;

export const CONDUIT_ROUTES: GatewayRoute[] = [
  { method: 'POST', path: '/api/users', service: identity, auth: 'optional', timeoutMs: SLOW },
  { method: 'POST', path: '/api/users/login', service: identity, auth: 'optional', timeoutMs: SLOW },
  // The refresh token in the body authenticates (no JWT needed: the access token may have expired); logout needs both.
  { method: 'POST', path: '/api/users/refresh', service: identity, auth: 'optional' },
  { method: 'POST', path: '/api/users/logout', service: identity, auth: 'required' },
  { method: 'GET', path: '/api/user', service: identity, auth: 'required' },
  { method: 'PUT', path: '/api/user', service: identity, auth: 'required', timeoutMs: SLOW },
  { method: 'DELETE', path: '/api/user', service: identity, auth: 'required' },

  { method: 'GET', path: '/api/profiles/:username', service: social, auth: 'optional' },
  { method: 'POST', path: '/api/profiles/:username/follow', service: social, auth: 'required' },
  { method: 'DELETE', path: '/api/profiles/:username/follow', service: social, auth: 'required' },
  { method: 'GET', path: '/api/articles', service: social, auth: 'optional' },
  { method: 'POST', path: '/api/articles', service: social, auth: 'required' },
  { method: 'GET', path: '/api/articles/feed', service: social, auth: 'required' },
  { method: 'GET', path: '/api/articles/:slug', service: social, auth: 'optional' },
  { method: 'PUT', path: '/api/articles/:slug', service: social, auth: 'required' },
  { method: 'DELETE', path: '/api/articles/:slug', service: social, auth: 'required' },
  { method: 'GET', path: '/api/articles/:slug/comments', service: social, auth: 'optional' },
  { method: 'POST', path: '/api/articles/:slug/comments', service: social, auth: 'required' },
  { method: 'DELETE', path: '/api/articles/:slug/comments/:id', service: social, auth: 'required' },
  { method: 'POST', path: '/api/articles/:slug/favorite', service: social, auth: 'required' },
  { method: 'DELETE', path: '/api/articles/:slug/favorite', service: social, auth: 'required' },
  { method: 'GET', path: '/api/tags', service: social, auth: 'optional' },
  // A user's data export (202 Accepted); social owns the articles it copies.
  { method: 'POST', path: '/api/user/export', service: social, auth: 'required' },
  { method: 'GET', path: '/api/user/export/:id', service: social, auth: 'required' },
  // Short links (docs/patterns/url-shortener.md). The redirect is the one route at the site root: the router prefers
  // the static routes (/healthz, /metrics, /gateway/...) and links answers 404 for reserved first segments.
  { method: 'POST', path: '/api/links', service: links, auth: 'required' },
  { method: 'GET', path: '/api/links/:code', service: links, auth: 'required' },
  { method: 'PUT', path: '/api/links/:code', service: links, auth: 'required' },
  { method: 'DELETE', path: '/api/links/:code', service: links, auth: 'required' },
  { method: 'GET', path: '/api/links/:code/stats', service: links, auth: 'required' },
  { method: 'GET', path: '/:code', service: links, auth: 'optional' },

  { method: 'GET', path: '/api/products', service: catalog, auth: 'optional' },
  { method: 'GET', path: '/api/products/:id', service: catalog, auth: 'optional' },
  { method: 'POST', path: '/api/products', service: catalog, auth: 'required', role: 'admin' },
  { method: 'PUT', path: '/api/products/:id', service: catalog, auth: 'required', role: 'admin' },
  { method: 'DELETE', path: '/api/products/:id', service: catalog, auth: 'required', role: 'admin' },
  { method: 'GET', path: '/api/categories', service: catalog, auth: 'optional' },
  { method: 'POST', path: '/api/products/:id/images', service: catalog, auth: 'required', role: 'admin', upload: true },
  { method: 'GET', path: '/api/images/:sha256/:variant', service: catalog, auth: 'optional' },

  { method: 'GET', path: '/api/notifications', service: notifications, auth: 'required' },
  { method: 'POST', path: '/api/notifications/read', service: notifications, auth: 'required' },
  { method: 'GET', path: '/api/notifications/preferences', service: notifications, auth: 'required' },
  { method: 'PUT', path: '/api/notifications/preferences', service: notifications, auth: 'required' },
  { method: 'GET', path: '/api/notifications/stream', service: notifications, auth: 'required', live: 'sse' },
  { method: 'GET', path: '/api/notifications/ws', service: notifications, auth: 'required', live: 'websocket' },
  // What the in-process SMTP sink received (docs/patterns/email.md).
  { method: 'GET', path: '/api/admin/mail', service: notifications, auth: 'required', role: 'admin' },
  // Webhook endpoints and their delivery logs (docs/patterns/webhooks.md).
  { method: 'POST', path: '/api/webhooks', service: notifications, auth: 'required' },
  { method: 'GET', path: '/api/webhooks', service: notifications, auth: 'required' },
  { method: 'GET', path: '/api/webhooks/:id', service: notifications, auth: 'required' },
  { method: 'PUT', path: '/api/webhooks/:id', service: notifications, auth: 'required' },
  { method: 'DELETE', path: '/api/webhooks/:id', service: notifications, auth: 'required' },
  { method: 'POST', path: '/api/webhooks/:id/rotate-secret', service: notifications, auth: 'required' },
  { method: 'GET', path: '/api/webhooks/:id/deliveries', service: notifications, auth: 'required' },
  { method: 'POST', path: '/api/webhooks/:id/deliveries/replay', service: notifications, auth: 'required' },
  { method: 'POST', path: '/api/webhooks/:id/deliveries/:deliveryId/replay', service: notifications, auth: 'required' },
  // Checkout answers 202 at once (the saga runs behind it); its Idempotency-Key passes through like any header.
  { method: 'GET', path: '/api/cart', service: orders, auth: 'required' },
  { method: 'POST', path: '/api/cart/items', service: orders, auth: 'required' },
  { method: 'PUT', path: '/api/cart/items/:productId', service: orders, auth: 'required' },
  { method: 'DELETE', path: '/api/cart/items/:productId', service: orders, auth: 'required' },
  { method: 'POST', path: '/api/orders', service: orders, auth: 'required' },
  { method: 'GET', path: '/api/orders', service: orders, auth: 'required' },
  { method: 'GET', path: '/api/orders/:id', service: orders, auth: 'required' },
  // The payment provider's webhooks: no user, the Standard Webhooks signature (checked by orders) is the credential.
  { method: 'POST', path: '/api/orders/webhooks/payments', service: orders, auth: 'optional' },
];

export function servicesOf(routes: readonly GatewayRoute[]): string[] {
  return [...new Set(routes.map((r) => r.service))];
}
