import type { RouteOptions } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import type { ServiceModule } from '../../platform/runtime/service-module.js';

/** One public route as the fuzzer sees it: method, URL pattern and the request schemas it declared. */
export interface FuzzRoute {
  method: string;
  /** The Fastify pattern, e.g. `/api/articles/:slug/comments/:id`. */
  url: string;
  service: string;
  auth: 'required' | 'optional';
  body?: TSchema | undefined;
  querystring?: TSchema | undefined;
  params?: TSchema | undefined;
  /** A live stream (SSE, WebSocket): answered with a response that never ends, so not a request-response to fuzz. */
  live?: boolean;
}

/**
 * The route table of every service, collected by an onRoute hook each
 * service's plugin carries (the services are wrapped, not edited), so a new
 * route is fuzzed from its own schema without touching the fuzzer. HEAD
 * routes Fastify adds for each GET are left out (they answer as the GET).
 */
export class RouteTable {
  readonly routes: FuzzRoute[] = [];

  /** The services, each mounting its routes with a hook that records them here. */
  recording(services: ServiceModule[]): ServiceModule[] {
    return services.map((module) => ({
      ...module,
      create: async (context) => {
        const instance = await module.create(context);
        return {
          ...instance,
          routes: async (app, options) => {
            app.addHook('onRoute', (route) => this.record(module.name, route));
            await instance.routes(app, options);
          },
        };
      },
    }));
  }

  private record(service: string, route: RouteOptions): void {
    const schema = (route.schema ?? {}) as { body?: TSchema; querystring?: TSchema; params?: TSchema };
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      this.routes.push({
        method,
        url: route.url,
        service,
        auth: (route.config as { auth?: 'required' | 'optional' } | undefined)?.auth ?? 'optional',
        body: schema.body,
        querystring: schema.querystring,
        params: schema.params,
        ...((route.config as { queryToken?: boolean } | undefined)?.queryToken ? { live: true } : {}),
      });
    }
  }
}

/**
 * Every method and full path in `app.printRoutes({ commonPrefix: false })`'s
 * tree (the routes outside any service, like /healthz, are known only there).
 */
export function routesInPrintout(printout: string): { method: string; url: string }[] {
  const found: { method: string; url: string }[] = [];
  const stack: string[] = [];
  for (const line of printout.split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!m) continue;
    const depth = [...m[1]!].length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    for (const method of m[3]?.split(', ') ?? []) found.push({ method, url: stack.join('') });
  }
  return found;
}
