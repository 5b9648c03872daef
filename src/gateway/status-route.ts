import type { App } from '../platform/http/create-app.js';
import type { Metrics } from '../platform/metrics/metrics.js';
import type { LoadShedder } from './load-shedder.js';
import type { ServicePool } from './upstreams/service-pool.js';
import { adminRoute } from '../platform/auth/admin-token.js';

/**
 * /healthz, /readyz (some replica of every service available) for anyone;
 * /metrics and /gateway/upstreams (what the gateway sees, internal URLs
 * included) only with the admin token: the gateway faces clients.
 */
export function registerGatewayStatus(app: App, pools: Map<string, ServicePool>, shedder: LoadShedder, metrics: Metrics, adminToken: string | undefined): void {
  const admin = adminRoute(adminToken);
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const checks = Object.fromEntries([...pools].map(([name, pool]) => [name, pool.all().some((u) => u.available) ? 'ok' : 'no replica available']));
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
  app.get('/metrics', admin, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(body);
  });
  app.get('/gateway/upstreams', admin, async () => ({
    inFlight: shedder.inFlight,
    shed: shedder.shed,
    eventLoopDelayMs: Math.round(shedder.eventLoopDelayMs * 10) / 10,
    services: Object.fromEntries(
      [...pools].map(([name, pool]) => [
        name,
        pool.all().map((u) => ({
          url: u.url,
          admitted: u.admitted,
          draining: u.draining,
          breaker: u.breaker.state,
          breakerOpens: u.breaker.opens,
          inFlight: u.inFlight,
        })),
      ]),
    ),
  }));
}
