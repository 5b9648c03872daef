import type { FastifyRequest, RouteOptions } from 'fastify';

/**
 * Labels each route with the service that mounted it (`config.service`),
 * so request metrics say which service a route belongs to even when one
 * process runs several. Routes added outside a service are 'platform'.
 */
export function routeServiceTagger(): { onRoute(route: RouteOptions): void; mounting(service: string | undefined): void } {
  let current: string | undefined;
  return {
    onRoute(route) {
      route.config = { ...route.config, service: current ?? 'platform' };
    },
    mounting(service) {
      current = service;
    },
  };
}

/** The `service` label of a request's metrics ('none' for requests no route matched). */
export function serviceOf(request: FastifyRequest): string {
  return serviceOfRoute(request.routeOptions);
}

/** serviceOf from a request's routeOptions already in hand (Fastify builds that object anew on every access). */
export function serviceOfRoute(options: FastifyRequest['routeOptions']): string {
  return options.config.service ?? 'none';
}
