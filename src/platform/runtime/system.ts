import type { AddressInfo } from 'node:net';
import type { Config } from '../config/schema.js';
import { openDatabase } from '../db/open-database.js';
import { replicaSettings } from '../db/replicas/replica-settings.js';
import { readRouting } from '../http/plugins/read-routing.js';
import { maintainPGlite } from '../db/pglite-maintenance.js';
import type { Database } from '../db/database.js';
import { migrationsKey, runMigrations } from '../db/migrations.js';
import { createLogger, type Logger } from '../log/logger.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { createTokenService } from '../auth/tokens.js';
import { withVerifiedTokenCache } from '../auth/verified-token-cache.js';
import { resolveJwtSecret } from '../auth/jwt-secret.js';
import type { UserCheck } from '../auth/user-check.js';
import { createApp, type App } from '../http/create-app.js';
import { registerHealthRoutes } from '../health/health-routes.js';
import { openRateLimiter } from '../ratelimit/open-rate-limiter.js';
import { rateLimiting } from '../http/plugins/rate-limiting.js';
import { openCache } from '../cache/open-cache.js';
import { startPlatformBus } from '../bus/platform-bus.js';
import { BusMetrics } from '../metrics/bus-metrics.js';
import { registerSystemMetrics } from '../metrics/system-metrics.js';
import { registerPgBouncerMetrics } from '../metrics/pgbouncer-metrics.js';
import { registerDependencyMetrics } from '../resilience/dependency-breaker.js';
import { redisPrefix } from '../redis/create-redis.js';
import { routeServiceTagger } from '../http/route-service.js';
import type { Bus } from '../bus/port.js';
import { ClientDirectory } from './client-directory.js';
import { setHeapGrowingPercent } from './heap-growing.js';
import { migrationsFor } from './migrations-for.js';
import { loadRetention, startRetention } from '../bus/retention.js';
import type { ServiceInstance, ServiceModule } from './service-module.js';
import { localServiceNames, parseRemoteServices } from './topologies/remote-services.js';
import { RemoteUrls } from './topologies/remote-urls.js';
import { mountInternalRoutes } from './topologies/internal-routes.js';
import { openSwitches } from '../switches/open-switches.js';
import { switchableCache } from '../switches/switchable-cache.js';
import { registerOpenApi } from '../web/openapi.js';
import { registerWebAssets } from '../web/web-assets.js';
import { registerConsole } from '../console/console-routes.js';
import { FaultPanel } from '../console/fault-panel.js';

export interface System {
  /** http://host:port the system listens on. */
  url: string;
  app: App;
  db: Database;
  metrics: Metrics;
  logger: Logger;
  /** The process's bus (tests subscribe to what services publish). */
  bus: Bus;
  /** The services' typed clients (tests call a contract the way a co-located service would). */
  clients: ClientDirectory;
  /** Stop accepting, let in-flight requests finish, close services and pools. */
  close(): Promise<void>;
}

export interface SystemOptions {
  config: Config;
  services: ServiceModule[];
  logger?: Logger;
  /** Makes a new embedded database's migrated base for these services out of process (DatabaseSettings.makeMigratedBase). */
  makeEmbeddedBase?: (services: readonly string[]) => Promise<void>;
}

/**
 * Composes services into one process: database, migrations, each service
 * in order (callers after callees), the HTTP app, and the listener.
 */
export async function startSystem(options: SystemOptions): Promise<System> {
  setHeapGrowingPercent(options.config.HEAP_GROWING_PERCENT);
  // CONSOLE_FAULTS: dependencies reached through fault proxies the console controls (rewritten addresses).
  const faults = options.config.CONSOLE_FAULTS ? await FaultPanel.start(options.config) : null;
  const config = faults?.config ?? options.config;
  // SERVICES / REMOTE_SERVICES: in a multi-process topology a process runs some services and calls the others over HTTP.
  const localNames = localServiceNames(config.SERVICES, options.services.map((s) => s.name));
  const services = options.services.filter((s) => localNames.includes(s.name));
  const remote = new RemoteUrls(parseRemoteServices(config.REMOTE_SERVICES));
  remote.followSupervisor();
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const metrics = createMetrics();
  const started = Date.now();

  // Before anything is opened or written: a bad secret (e.g. an empty DATA_DIR/jwt-secret) is a configuration error.
  // Verified signatures are remembered briefly (revocation is the user check's, still asked on every request).
  const tokens = withVerifiedTokenCache(createTokenService(resolveJwtSecret(config.JWT_SECRET, config.DATA_DIR), config.JWT_TTL_SECONDS));
  const migrations = migrationsFor(services);
  const { makeEmbeddedBase } = options;
  const db = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolMax: config.DATABASE_POOL_MAX,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
    embeddedSharedBuffersMb: config.PGLITE_SHARED_BUFFERS_MB,
    embeddedWasmOptimize: config.PGLITE_WASM_OPTIMIZE,
    replicas: replicaSettings(config),
    schemaKey: migrationsKey(migrations),
    makeMigratedBase: makeEmbeddedBase && (() => makeEmbeddedBase(localNames)),
  }).catch(async (err: unknown) => {
    await faults?.panel.close();
    throw err;
  });
  let migrated = false;
  let draining = false;
  const instances: ServiceInstance[] = [];
  // Shared resources, closed after the services that use them.
  const closers: (() => Promise<void>)[] = [];
  // Last to close: the services' clients are gone by then.
  if (faults) closers.push(() => faults.panel.close());
  let startedApp: App | undefined;
  try {
    const applied = await runMigrations(db, migrations);
    // Before any service writes: the next new embedded database starts from this one, migrated.
    if (applied > 0) await db.keepAsBase?.();
    migrated = true;
    const stopMaintenance = await maintainPGlite(db);
    closers.push(async () => stopMaintenance());
    logger.info({ driver: db.driver, applied }, 'database ready');

    const clients = new ClientDirectory();
    const switches = await openSwitches(config);
    closers.push(() => switches.close());
    switches.onChange((values, change) => logger.info({ switches: values, change }, 'switch changed'));
    // Built even under CACHE_ENABLED=false: the setting is the switch's starting value, and the console can turn it on.
    const cache = switchableCache(await openCache({ ...config, CACHE_ENABLED: true }, metrics, logger), switches);
    closers.push(() => cache.close());
    registerSystemMetrics(metrics.registry, db);
    if (config.PGBOUNCER_ADMIN_URL) closers.push(registerPgBouncerMetrics(metrics.registry, config.PGBOUNCER_ADMIN_URL));
    registerDependencyMetrics(metrics.registry);
    const messaging = await startPlatformBus({ url: config.BUS_URL, db, logger, metrics: new BusMetrics(metrics.registry), redisPrefix: redisPrefix(config),
      ...(config.BUS_NAMESPACE ? { namespace: config.BUS_NAMESPACE } : {}) });
    closers.push(() => messaging.close());
    // Until a service that owns users is built in this process (or its remote client is), a signed token is enough.
    let userExists: UserCheck = async () => true;
    const app = await createApp({
      logger,
      metrics,
      tokens,
      bodyLimit: config.BODY_LIMIT_BYTES,
      corsOrigins: config.CORS_ORIGINS,
      internalSecret: config.INTERNAL_SECRET,
      trustProxy: config.TRUSTED_PROXIES,
      signatureWindow: { maxAgeMs: config.INTERNAL_SIG_MAX_AGE_MS, maxFutureMs: config.INTERNAL_SIG_MAX_FUTURE_MS },
      userExists: (id, query) => userExists(id, query),
    });
    if (db.replicas) await app.register(readRouting, { routing: db.replicas, onError: (err) => logger.warn({ err }, 'write position not recorded') });
    // Each route remembers the service that mounted it: the `service` label of request metrics.
    const tagger = routeServiceTagger();
    app.addHook('onRoute', tagger.onRoute);
    for (const module of options.services) {
      if (localNames.includes(module.name) || !remote.has(module.name) || !module.remoteClient || !config.INTERNAL_SECRET) continue;
      const client = await module.remoteClient({ urls: () => remote.get(module.name), secret: config.INTERNAL_SECRET, transport: config.INTERNAL_TRANSPORT });
      clients.register(module.name, client);
      // The service that owns users runs elsewhere: its client checks them (gateway-signed identities too).
      if (client.userExists) userExists = client.userExists.bind(client);
      if (client.close) closers.push(client.close);
    }
    startedApp = app;
    // Before any service mounts routes: @fastify/swagger collects their schemas as they are added.
    await registerOpenApi(app);
    await registerWebAssets(app);
    registerHealthRoutes(app, { isReady: () => migrated && !draining, checkDatabase: () => db.ping() }, metrics, config.ADMIN_TOKEN);
    // Without a gateway in front (embedded), the process limits rates itself, in memory; behind one, the gateway does.
    const limiter = openRateLimiter(config, logger, false);
    if (limiter) {
      await app.register(rateLimiting, { limiter });
      closers.push(() => limiter.close());
    }

    for (const module of services) {
      const context = { config, db, logger: logger.child({ service: module.name }), metrics, tokens, cache, clients, bus: messaging.bus, outbox: messaging.outbox, switches };
      const instance = await module.create(context);
      instances.push(instance);
      if (instance.client) clients.register(module.name, instance.client);
      if (instance.userExists) userExists = instance.userExists.bind(instance);
      tagger.mounting(module.name);
      await app.register(instance.routes, { prefix: '/api' });
      if (instance.rootRoutes) await app.register(instance.rootRoutes);
      if (instance.internalRoutes && config.INTERNAL_SECRET) {
        await mountInternalRoutes(app, module.name, instance.internalRoutes, config.INTERNAL_SECRET, { maxAgeMs: config.INTERNAL_SIG_MAX_AGE_MS, maxFutureMs: config.INTERNAL_SIG_MAX_FUTURE_MS });
      }
      tagger.mounting(undefined);
    }

    // The platform's tables (outbox, inbox, job statuses; shards' too) pruned by cron, once per tick across every process.
    const retention = await startRetention(messaging.bus, messaging.databases, loadRetention(config), logger);
    closers.push(() => retention.stop());

    registerConsole(app, { config, db, metrics, switches, services: services.map((s) => s.name), logger, faults: faults?.panel ?? null });

    await app.listen({ port: config.PORT, host: config.HOST });
    const { port } = app.server.address() as AddressInfo;
    const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;
    logger.info({ url, services: services.map((s) => s.name), ms: Date.now() - started }, 'scalestack is up');
    switches.introduce({ url, services: services.map((s) => s.name) });

    return {
      url,
      app,
      db,
      metrics,
      logger,
      bus: messaging.bus,
      clients,
      close: async () => {
        draining = true;
        await app.close();
        for (const instance of instances.reverse()) await instance.close?.();
        for (const close of closers.reverse()) await close();
        await db.close();
      },
    };
  } catch (err) {
    // A failed start (port taken, a service that cannot build) releases what it had built, in reverse.
    await startedApp?.close().catch(() => {});
    for (const instance of instances.reverse()) await instance.close?.().catch(() => {});
    for (const close of closers.reverse()) await close().catch(() => {});
    await db.close().catch(() => {});
    throw err;
  }
}
