import type { AddressInfo } from 'node:net';
import type { Config } from '../config/schema.js';
import { openDatabase } from '../db/open-database.js';
import type { Database } from '../db/database.js';
import { runMigrations } from '../db/migrations.js';
import { createLogger, type Logger } from '../log/logger.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { createTokenService } from '../auth/tokens.js';
import { resolveJwtSecret } from '../auth/jwt-secret.js';
import { createApp, type App } from '../http/create-app.js';
import { registerHealthRoutes } from '../health/health-routes.js';
import { ClientDirectory } from './client-directory.js';
import type { ServiceInstance, ServiceModule } from './service-module.js';

export interface System {
  /** http://host:port the system listens on. */
  url: string;
  app: App;
  db: Database;
  metrics: Metrics;
  logger: Logger;
  /** Stop accepting, let in-flight requests finish, close services and pools. */
  close(): Promise<void>;
}

export interface SystemOptions {
  config: Config;
  services: ServiceModule[];
  logger?: Logger;
}

/**
 * Composes services into one process: database, migrations, each service
 * in order (callers after callees), the HTTP app, and the listener.
 */
export async function startSystem(options: SystemOptions): Promise<System> {
  const { config, services } = options;
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const metrics = createMetrics();
  const started = Date.now();

  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: config.DATABASE_POOL_MAX });
  let migrated = false;
  let draining = false;
  const instances: ServiceInstance[] = [];
  try {
    const applied = await runMigrations(db, services.map((s) => s.migrations));
    migrated = true;
    logger.info({ driver: db.driver, applied }, 'database ready');

    const tokens = createTokenService(resolveJwtSecret(config.JWT_SECRET, config.DATA_DIR), config.JWT_TTL_SECONDS);
    const clients = new ClientDirectory();
    const app = createApp({ logger, metrics, tokens, bodyLimit: config.BODY_LIMIT_BYTES });
    registerHealthRoutes(app, { isReady: () => migrated && !draining, checkDatabase: () => db.ping() }, metrics);

    for (const module of services) {
      const instance = await module.create({ config, db, logger: logger.child({ service: module.name }), metrics, tokens, clients });
      instances.push(instance);
      if (instance.client) clients.register(module.name, instance.client);
      await app.register(instance.routes, { prefix: '/api' });
    }

    await app.listen({ port: config.PORT, host: config.HOST });
    const { port } = app.server.address() as AddressInfo;
    const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;
    logger.info({ url, services: services.map((s) => s.name), ms: Date.now() - started }, 'scalestack is up');

    return {
      url,
      app,
      db,
      metrics,
      logger,
      close: async () => {
        draining = true;
        await app.close();
        for (const instance of instances.reverse()) await instance.close?.();
        await db.close();
      },
    };
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}
