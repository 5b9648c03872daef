import { loadConfig } from '../platform/config/load-config.js';
import type { Config } from '../platform/config/schema.js';
import { createLogger } from '../platform/log/logger.js';
import { StaticRegistry } from '../platform/discovery/static-registry.js';
import type { ServiceRegistry } from '../platform/discovery/registry.js';
import type { BreakerSettings } from '../platform/resilience/breaker.js';
import { startGateway, type Gateway } from './gateway.js';
import type { GatewayRoute } from './route-table.js';

export const TEST_JWT_SECRET = 'j'.repeat(40);
export const TEST_INTERNAL_SECRET = 'i'.repeat(40);

/** Routes for gateway tests against fake replicas. */
export const TEST_ROUTES: GatewayRoute[] = [
  { method: 'GET', path: '/api/tags', service: 'social', auth: 'optional' },
  { method: 'POST', path: '/api/articles', service: 'social', auth: 'required' },
  { method: 'GET', path: '/api/slow', service: 'social', auth: 'optional', timeoutMs: 300 },
  { method: 'POST', path: '/api/users/login', service: 'identity', auth: 'optional' },
];

/** A gateway on a random port in front of `registry` (or static URLs), quiet, with fast health checks. */
export async function startTestGateway(options: {
  registry?: ServiceRegistry;
  social?: string[];
  overrides?: Partial<Config>;
  breaker?: BreakerSettings;
  routes?: GatewayRoute[];
  healthIntervalMs?: number;
}): Promise<Gateway> {
  const config = loadConfig(
    {},
    {
      PORT: 0,
      HOST: '127.0.0.1',
      DATA_DIR: 'memory://',
      LOG_LEVEL: 'silent',
      JWT_SECRET: TEST_JWT_SECRET,
      INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      RATE_LIMIT_ENABLED: false,
      // The test gateway shares its event loop with the test system it fronts (PGlite's queries run on
      // it, synchronously) and with the suite; on a busy CI machine its p99 delay passed the 500 ms
      // default and the gateway shed a login as overloaded. Shedding has its own tests, with their limits.
      GATEWAY_MAX_EVENT_LOOP_DELAY_MS: 60_000,
      ...options.overrides,
    },
  );
  // Every service the routes name is the one test system (catalog and orders too, not only social and identity).
  const services = new Set(['social', 'identity', ...(options.routes ?? TEST_ROUTES).map((r) => r.service)]);
  const registry = options.registry ?? new StaticRegistry(new Map([...services].map((s) => [s, options.social ?? []])));
  return startGateway({
    config,
    logger: createLogger({ level: 'silent' }),
    registry,
    routes: options.routes ?? TEST_ROUTES,
    healthIntervalMs: options.healthIntervalMs ?? 100,
    discoveryIntervalMs: 100,
    breaker: options.breaker ?? { failures: 3, halfOpenAfterMs: 300 },
  });
}
