import type { App } from '../http/create-app.js';
import type { Metrics } from '../metrics/metrics.js';
import { adminRoute } from '../auth/admin-token.js';

export interface Readiness {
  /** Migrations applied and not draining. */
  isReady(): boolean;
  checkDatabase(): Promise<void>;
}

/**
 * /healthz: the process is alive. /readyz: it can serve (DB reachable, migrated, not draining). /metrics: Prometheus,
 * behind the admin token when ADMIN_TOKEN is set (a service process behind a gateway listens on loopback).
 */
export function registerHealthRoutes(app: App, readiness: Readiness, metrics: Metrics, adminToken?: string): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks: Record<string, string> = { migrations: readiness.isReady() ? 'ok' : 'pending' };
    try {
      await readiness.checkDatabase();
      checks['database'] = 'ok';
    } catch (err) {
      checks['database'] = `down: ${(err as Error).message}`;
    }
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', adminToken ? adminRoute(adminToken) : {}, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(body);
  });
}
