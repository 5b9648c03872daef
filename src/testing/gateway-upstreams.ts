import { CONDUIT_ROUTES, servicesOf } from '../gateway/route-table.js';

/**
 * GATEWAY_UPSTREAMS naming one address for every service the gateway routes
 * to: a gateway is ready only when each of them has a replica, so a test
 * with one fake upstream must name it for all (catalog, orders, links... too).
 */
export function everyServiceAt(url: string): string {
  return servicesOf(CONDUIT_ROUTES)
    .map((service) => `${service}=${url}`)
    .join(';');
}
