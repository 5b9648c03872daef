import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/database.js';
import type { ServiceMigrations } from '../db/migrations.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { TokenService } from '../auth/tokens.js';
import type { ClientDirectory } from './client-directory.js';

/** What every service gets from the process it runs in. */
export interface ServiceContext {
  config: Config;
  db: Database;
  logger: Logger;
  metrics: Metrics;
  tokens: TokenService;
  /** Typed clients of the services this one calls (in-process when co-located). */
  clients: ClientDirectory;
}

export interface ServiceInstance {
  /** Mounted under /api. */
  routes: FastifyPluginAsync;
  /** The typed client other services call; its interface lives in src/contracts/. */
  client?: object;
  close?(): Promise<void>;
}

/** A service as the runtime sees it: its schema and how to build it. */
export interface ServiceModule {
  name: string;
  migrations: ServiceMigrations;
  create(context: ServiceContext): Promise<ServiceInstance> | ServiceInstance;
}
