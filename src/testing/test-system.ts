import { loadConfig } from '../platform/config/load-config.js';
import type { Config } from '../platform/config/schema.js';
import { createLogger } from '../platform/log/logger.js';
import { startSystem, type System } from '../platform/runtime/system.js';
import type { ServiceModule } from '../platform/runtime/service-module.js';
import { allServices } from '../services/registry.js';
import type { DbTarget } from './db-targets.js';
import { createApiClient, type ApiClient } from './api-client.js';

export interface TestSystem extends System {
  api: ApiClient;
  target: DbTarget['name'];
  /** The fresh database's URL (undefined on PGlite). */
  databaseUrl: string | undefined;
  /** Graceful shutdown that keeps the database, to inspect what the system left behind; then call `dropDatabase`. */
  stop(): Promise<void>;
  dropDatabase(): Promise<void>;
}

/**
 * The whole system on a random port against a fresh database of the target
 * (PGlite in memory, or a new database on the real server, dropped on close).
 */
export async function startTestSystem(
  target: DbTarget,
  overrides: Partial<Config> = {},
  /** The services to run (all of them by default; the fuzzer passes them wrapped to record their routes). */
  services: ServiceModule[] = allServices,
): Promise<TestSystem> {
  const url = await target.create();
  const config = loadConfig(
    {},
    {
      PORT: 0,
      HOST: '127.0.0.1',
      DATA_DIR: 'memory://',
      LOG_LEVEL: 'silent',
      // Cheapest argon2 cost: suites register hundreds of users.
      ARGON2_MEMORY_KIB: 1024,
      ARGON2_TIME_COST: 1,
      // Suites log in hundreds of times from one address; the limiter has its own tests (src/platform/ratelimit).
      RATE_LIMIT_ENABLED: false,
      ...(url ? { DATABASE_URL: url } : {}),
      ...target.settings,
      ...overrides,
    },
  );
  const system = await startSystem({
    config,
    services,
    logger: createLogger({ level: config.LOG_LEVEL, pretty: false }),
  });
  return {
    ...system,
    target: target.name,
    api: createApiClient(system.url),
    databaseUrl: url,
    stop: () => system.close(),
    dropDatabase: () => target.drop(url),
    close: async () => {
      await system.close();
      await target.drop(url);
    },
  };
}
