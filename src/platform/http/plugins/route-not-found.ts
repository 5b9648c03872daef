import fp from 'fastify-plugin';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { errors } from '../../errors/catalog.js';
import { sendError } from '../error-handler.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The methods some route serves `url`'s path under (empty: no route serves it), asked of a second router
     * since Fastify's cannot be asked that; `tooLong` when a route would take the path but for a parameter over
     * maxParamLength (as Fastify's own router answers 414).
     */
    servedMethods(url: string): { methods: HTTPMethod[]; tooLong: boolean };
  }
}

interface RouteNotFoundOptions {
  /** The app's own router options, so a path matches here exactly when it would match a route there. */
  ignoreTrailingSlash: boolean;
  maxParamLength: number;
}

/**
 * What a request no route took is told. A path some route serves under other methods is answered
 * 405 with `Allow` listing them (RFC 9110 §15.5.6); any other path is 404. An OPTIONS on a served path
 * is 204 with the same `Allow`: from here when CORS is off; with CORS on, @fastify/cors answers every
 * OPTIONS before routing (plugins/cors.ts) and this only adds the header (cors.ts answers 404 for a path no
 * route serves, asking `servedMethods`). A path some route would take but for a parameter over maxParamLength
 * is 414 under any method, as Fastify's router answers under the methods it serves.
 * Fastify's router cannot be asked which methods match a concrete path, so every route is also
 * added, as it is registered, to a second router of the same library (find-my-way), asked only
 * on this path.
 */
export const routeNotFound = fp<RouteNotFoundOptions>(
  (app, options, done) => {
    const overLength = () => undefined;
    const routes = FindMyWay({ ...options, onMaxParamLength: overLength });
    const methods = new Set<HTTPMethod>();
    const served = () => undefined;
    app.addHook('onRoute', (route) => {
      // A catch-all (@fastify/cors' `OPTIONS *`) matches every path: it says nothing of what a path serves.
      if (route.url === '*' || route.url === '/*') return;
      for (const method of [route.method].flat() as HTTPMethod[]) {
        methods.add(method);
        routes.on(method, route.url, served);
      }
    });

    const servedMethods = (url: string) => {
      const path = url.split('?', 1)[0]!;
      const found: HTTPMethod[] = [];
      let tooLong = false;
      for (const method of methods) {
        const match = routes.find(method, path);
        if (match?.handler === served) found.push(method);
        // Any other match is find-my-way's wrapper of onMaxParamLength: the path failed only on a parameter's length.
        else if (match) tooLong = true;
      }
      return { methods: found.sort(), tooLong };
    };
    app.decorate('servedMethods', servedMethods);
    const allowedOn = (url: string): HTTPMethod[] => servedMethods(url).methods;

    const allowHeader = (allowed: HTTPMethod[]) => [...allowed, ...(allowed.includes('OPTIONS') ? [] : ['OPTIONS'])].join(', ');

    // With CORS on, @fastify/cors answers every OPTIONS (204) before routing, without the Allow that RFC 9110
    // §9.3.7 asks of a successful OPTIONS: added here for a served path.
    app.addHook('onSend', (request, reply, payload, next) => {
      if (request.method === 'OPTIONS' && reply.statusCode === 204 && !reply.hasHeader('allow')) {
        const allowed = allowedOn(request.url);
        if (allowed.length > 0) void reply.header('allow', allowHeader(allowed));
      }
      next(null, payload);
    });

    app.setNotFoundHandler((request, reply) => {
      const { methods: allowed, tooLong } = servedMethods(request.url);
      if (allowed.length === 0) return sendError(reply, tooLong ? errors.badUrl('is too long', 414) : errors.notFound('route'));
      void reply.header('allow', allowHeader(allowed));
      if (request.method === 'OPTIONS') return reply.code(204).send();
      return sendError(reply, errors.methodNotAllowed(request.method));
    });
    done();
  },
  { name: 'route-not-found' },
);
