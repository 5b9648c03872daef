import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/database.js';
import type { ServiceMigrations } from '../db/migrations.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { TokenService } from '../auth/tokens.js';
import type { UserCheck } from '../auth/user-check.js';
import type { Cache } from '../cache/cache.js';
import type { ClientDirectory } from './client-directory.js';
import type { Bus } from '../bus/port.js';
import type { Outbox } from '../bus/platform-bus.js';
import type { ShardMapDeclaration } from '../sharding/move-key.js';
import type { SwitchBoard } from '../switches/switches.js';

/** What every service gets from the process it runs in. */
export interface ServiceContext {
  config: Config;
  db: Database;
  logger: Logger;
  metrics: Metrics;
  tokens: TokenService;
  /** L1 (+ L2 Redis when REDIS_URL) cache shared by the process's services. */
  cache: Cache;
  /** Typed clients of the services this one calls (in-process when co-located). */
  clients: ClientDirectory;
  /** Events and jobs (src/platform/bus); to emit an event with a change, use `outbox` instead of bus.publish. */
  bus: Bus;
  /** Transactional outbox: events written in the service's transaction, published by the platform's relay. */
  outbox: Outbox;
  /** Runtime switches the console changes (feed strategy, celebrity threshold, cache on/off); absent: the config holds. */
  switches?: SwitchBoard;
}

export interface ServiceInstance {
  /** Mounted under /api. */
  routes: FastifyPluginAsync;
  /**
   * Mounted at the site root, beside /api and the health routes (a short link's `/:code`). A root route must
   * constrain its path so it never matches a reserved path (src/platform/http/reserved-paths.ts).
   */
  rootRoutes?: FastifyPluginAsync;
  /** The typed client other services call; its interface lives in src/contracts/. */
  client?: object;
  /**
   * Provided by the service that owns users (identity), and by its remote client
   * where it runs elsewhere: the auth hook refuses a validly signed token or
   * gateway identity whose user does not exist (anymore), or a revoked token.
   */
  userExists?: UserCheck;
  /** Called on shutdown after the listener has drained: flush buffers, stop timers. */
  close?(): Promise<void>;
  /** Service-to-service routes behind `client` for remote callers; mounted at /internal/<name> (never routed by the gateway) when INTERNAL_SECRET is set. */
  internalRoutes?: FastifyPluginAsync;
}

/** Where a remote caller reaches a service: its replicas and the secret internal calls are signed with. */
export interface RemoteEndpoints {
  /** The service's replicas now (the list changes as replicas are replaced). */
  urls: () => string[];
  secret: string;
  /** INTERNAL_TRANSPORT: a service with a gRPC client uses it under 'grpc'; http when unset (ADR 0038). */
  transport?: 'http' | 'grpc';
  /** How long one call may take before it fails with SS_TIMEOUT; the client's own default when unset. */
  callTimeoutMs?: number;
}

export type RemoteClient = object & { close?(): Promise<void>; userExists?: UserCheck };

/** A service as the runtime sees it: its schema and how to build it. */
export interface ServiceModule {
  name: string;
  migrations: ServiceMigrations;
  create(context: ServiceContext): Promise<ServiceInstance> | ServiceInstance;
  /**
   * The client callers in other processes get (HTTP to internalRoutes, or gRPC by `endpoints.transport`); the same
   * contract as `client`. May resolve later: a transport's library is loaded only when it is asked for.
   */
  remoteClient?(endpoints: RemoteEndpoints): RemoteClient | Promise<RemoteClient>;
  /** Directory shard maps of the service and the tables whose rows follow a key: what `scalestack shard move` moves. */
  shardMaps?: ShardMapDeclaration[];
}
