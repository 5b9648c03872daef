import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../platform/config/schema.js';
import type { Logger } from '../platform/log/logger.js';
import { createMetrics } from '../platform/metrics/metrics.js';
import { registerDependencyMetrics } from '../platform/resilience/dependency-breaker.js';
import { createTokenService } from '../platform/auth/tokens.js';
import { resolveJwtSecret } from '../platform/auth/jwt-secret.js';
import type { UserCheck } from '../platform/auth/user-check.js';
import { createApp, type App } from '../platform/http/create-app.js';
import { parseJsonBody } from '../platform/http/json-body.js';
import type { ServiceRegistry } from '../platform/discovery/registry.js';
import { openRateLimiter } from '../platform/ratelimit/open-rate-limiter.js';
import { rateLimiting } from '../platform/http/plugins/rate-limiting.js';
import { RetryBudget } from '../platform/resilience/retry-budget.js';
import type { BreakerSettings } from '../platform/resilience/breaker.js';
import { openBalancer } from './balancers/open-balancer.js';
import { CONDUIT_ROUTES, servicesOf, type GatewayRoute } from './route-table.js';
import { ServicePool } from './upstreams/service-pool.js';
import { HealthChecker } from './upstreams/health-checker.js';
import { LoadShedder } from './load-shedder.js';
import { loadShedding } from './load-shedding.js';
import { proxyHandler } from './proxy/proxy-handler.js';
import { websocketRelay } from './proxy/websocket-relay.js';
import websocket from '@fastify/websocket';
import { closeRefusedUpgrade } from '../platform/http/refused-upgrade.js';
import { registerGatewayStatus } from './status-route.js';

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  registry: ServiceRegistry;
  routes?: GatewayRoute[];
  healthIntervalMs?: number;
  discoveryIntervalMs?: number;
  breaker?: BreakerSettings;
  /**
   * Checks a token's user (exists, token of the current version) at the edge; the CLI builds it from
   * identity's remote client. Without it the gateway checks signature and expiry only, and a revoked
   * token of an existing user passes to the services (which check existence, not versions, for signed identities).
   */
  userCheck?: UserCheck;
}

export interface Gateway {
  url: string;
  app: App;
  pools: Map<string, ServicePool>;
  shedder: LoadShedder;
  /** Re-reads discovery and checks new replicas now (instead of waiting for the next tick). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The edge: verifies the JWT once, limits rates, sheds load, routes each
 * public route to a healthy replica of its service, and answers bad input
 * itself, so none of it reaches a service.
 */
/** Boundaries, part headers and any small fields around an uploaded file. */
const MULTIPART_FRAMING_BYTES = 64 * 1024;

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, logger, registry } = options;
  if (!config.INTERNAL_SECRET) throw new Error('the gateway needs INTERNAL_SECRET (shared with the services it signs identities for)');
  const routes = options.routes ?? CONDUIT_ROUTES;
  const metrics = createMetrics();
  registerDependencyMetrics(metrics.registry);
  const tokens = createTokenService(resolveJwtSecret(config.JWT_SECRET, config.DATA_DIR), config.JWT_TTL_SECONDS);
  // The gateway checks signature and expiry, and (userCheck) existence and token version with identity.
  const app = await createApp({
    logger,
    metrics,
    tokens,
    userExists: options.userCheck ?? (async () => true),
    bodyLimit: config.BODY_LIMIT_BYTES,
    corsOrigins: config.CORS_ORIGINS,
    maxHeaderSize: config.GATEWAY_MAX_HEADER_BYTES,
    trustProxy: config.TRUSTED_PROXIES,
  });

  // Bodies are checked here (JSON, size, NUL) and forwarded as the bytes the client sent.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    parseJsonBody(request, body as Buffer, (err) => (err ? done(err) : done(null, body)));
  });

  const shedder = new LoadShedder({ maxInFlight: config.GATEWAY_MAX_IN_FLIGHT, maxEventLoopDelayMs: config.GATEWAY_MAX_EVENT_LOOP_DELAY_MS });
  await app.register(loadShedding, { shedder });
  const limiter = openRateLimiter(config, logger, true);
  if (limiter) await app.register(rateLimiting, { limiter });

  const upstreamSettings = {
    breaker: options.breaker ?? { failures: 5, halfOpenAfterMs: 2000 },
    connections: 64,
    unhealthyAfter: 2,
    healthyAfter: 1,
  };
  const pools = new Map(
    servicesOf(routes).map((s) => [s, new ServicePool(s, openBalancer(config.GATEWAY_BALANCER), upstreamSettings, logger)]),
  );
  const all = () => [...pools.values()].flatMap((p) => p.all());
  const health = new HealthChecker(all, logger, options.healthIntervalMs ?? 1000);

  const refresh = async () => {
    await Promise.all(
      [...pools.values()].map(async (pool) => {
        try {
          const added = pool.sync(await registry.list(pool.service));
          await Promise.all(added.map((u) => health.check(u)));
        } catch (err) {
          logger.warn({ err, service: pool.service }, 'gateway: discovery failed; keeping the last known replicas');
        }
      }),
    );
  };
  await refresh();
  health.start();
  const discoveryTimer = setInterval(() => void refresh(), options.discoveryIntervalMs ?? 500);
  discoveryTimer.unref();

  const deps = { pools, budget: new RetryBudget(0.2, 10), internalSecret: config.INTERNAL_SECRET, defaultTimeoutMs: config.UPSTREAM_TIMEOUT_MS, maxAttempts: config.GATEWAY_MAX_ATTEMPTS };
  if (routes.some((r) => r.live === 'websocket')) {
    await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
    app.addHook('onResponse', closeRefusedUpgrade);
  }
  const register = (scope: FastifyInstance, route: GatewayRoute) => {
    // Live routes take the token as ?token= too (browsers' EventSource and WebSocket cannot send headers).
    const config = { auth: route.auth, queryToken: route.live !== undefined, ...(route.role ? { role: route.role } : {}) };
    if (route.live === 'websocket') scope.get(route.path, { config, websocket: true }, websocketRelay(route, deps));
    else scope.route({ method: route.method, url: route.path, config, handler: proxyHandler(route, deps) });
  };
  await app.register(async (scope) => {
    for (const route of routes.filter((r) => !r.upload)) register(scope, route);
  });
  // Uploads (product images), in a scope of their own: only there does multipart pass, as the bytes sent
  // (the service reads the parts and sniffs the image), bounded by the image limit plus the framing.
  // Elsewhere it stays a 415 at the edge: forwarded, a large body the service refused unread (415 before
  // parsing) left the pooled connection to that replica stuck, and the next request on it timed out (504).
  await app.register(async (uploads) => {
    uploads.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: config.CATALOG_IMAGE_MAX_BYTES + MULTIPART_FRAMING_BYTES }, (_request, body, done) => {
      done(null, body);
    });
    for (const route of routes.filter((r) => r.upload)) register(uploads, route);
  });
  registerGatewayStatus(app, pools, shedder, metrics, config.ADMIN_TOKEN);
  if (!config.ADMIN_TOKEN) logger.warn('ADMIN_TOKEN unset: the gateway refuses /metrics and /gateway/upstreams to everyone');

  await app.listen({ port: config.PORT, host: config.HOST });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;
  logger.info({ url, balancer: config.GATEWAY_BALANCER, registry: registry.kind, rateLimits: limiter?.store.kind ?? 'off' }, 'gateway is up');

  return {
    url,
    app,
    pools,
    shedder,
    refresh,
    close: async () => {
      clearInterval(discoveryTimer);
      health.stop();
      await app.close();
      shedder.stop();
      await Promise.all([...pools.values()].map((p) => p.close()));
      await limiter?.close();
    },
  };
}
