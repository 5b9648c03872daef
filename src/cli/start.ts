import { loadConfig, ConfigError } from '../platform/config/load-config.js';
import { createLogger } from '../platform/log/logger.js';
import { flushLogShipping } from '../platform/log/loki.js';
import { initTracing } from '../platform/tracing/tracing.js';
import { lokiSettings, tracingSettings } from '../platform/tracing/from-config.js';
import { startSystem } from '../platform/runtime/system.js';
import { makeEmbeddedBaseInChild } from './embedded-base.js';
import { exitGracefully } from '../platform/runtime/shutdown.js';
import { allServices } from '../services/registry.js';
import { parsePlan, PlanError, type Plan } from '../platform/runtime/topologies/plan.js';
import { localServiceNames } from '../platform/runtime/topologies/remote-services.js';
import { announceToRedis, announceToSupervisor } from '../platform/runtime/topologies/announce.js';
import { redisPrefix } from '../platform/redis/create-redis.js';

/**
 * `scalestack start`: the whole system in one process (the embedded
 * topology); with `--topology services [--replicas social=2]` or
 * `--workers N`, a gateway in front of several processes.
 */
export async function start(args: string[] = []): Promise<void> {
  let config;
  let plan: Plan;
  try {
    config = loadConfig();
    plan = parsePlan(args, allServices.map((s) => s.name));
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PlanError) {
      process.stderr.write(`scalestack: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY, loki: lokiSettings(config) });
  // Before anything serves: spans (exported when OTEL_EXPORTER_OTLP_ENDPOINT is set) and trace ids in logs and messages.
  const tracing = await initTracing(tracingSettings(config));
  logger.info(
    {
      database: config.DATABASE_URL ? redactUrl(config.DATABASE_URL) : `embedded PGlite in ${config.DATA_DIR}`,
      feed: config.FEED_STRATEGY,
    },
    'starting scalestack',
  );
  // Loaded only for a multi-process topology: the embedded start does not pay for the gateway's modules.
  if (plan.kind !== 'embedded') return (await import('./start-topology.js')).startTopology(plan, config, logger);
  try {
    const system = await startSystem({ config, services: allServices, logger, makeEmbeddedBase: (services) => makeEmbeddedBaseInChild(services, logger) });
    // Started by a topology's supervisor: say when ready, heartbeat, and say when leaving (before draining).
    const local = localServiceNames(config.SERVICES, allServices.map((s) => s.name));
    const announcement = announceToSupervisor(system.url, local);
    const redisAnnouncement = await announceToRedis(config.REDIS_URL, config.ANNOUNCE_URL, local, (err) =>
      logger.warn({ err: err.message }, 'discovery heartbeat to Redis failed'),
    redisPrefix(config));
    exitGracefully(
      async () => {
        announcement.leave();
        await redisAnnouncement.leave();
        await system.close();
        await tracing.shutdown();
        await flushLogShipping();
      },
      logger,
      config.SHUTDOWN_TIMEOUT_MS,
    );
  } catch (err) {
    // A setting found bad only while starting (e.g. a short DATA_DIR/jwt-secret): the same exit as any config error.
    if (err instanceof ConfigError) {
      process.stderr.write(`scalestack: ${err.message}\n`);
      process.exit(2);
    }
    logger.fatal({ err }, 'could not start');
    logger.flush();
    process.exit(1);
  }
}

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
