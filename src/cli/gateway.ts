import { randomBytes } from 'node:crypto';
import { loadConfig, ConfigError } from '../platform/config/load-config.js';
import { createLogger } from '../platform/log/logger.js';
import { exitGracefully } from '../platform/runtime/shutdown.js';
import { StaticRegistry } from '../platform/discovery/static-registry.js';
import { RedisRegistry } from '../platform/discovery/redis-registry.js';
import { redisPrefix } from '../platform/redis/create-redis.js';
import { parseRemoteServices } from '../platform/runtime/topologies/remote-services.js';
import { startGateway, type Gateway } from '../gateway/gateway.js';
import { identityService } from '../services/identity/index.js';
import { flushLogShipping } from '../platform/log/loki.js';
import { initTracing } from '../platform/tracing/tracing.js';
import { lokiSettings, tracingSettings } from '../platform/tracing/from-config.js';

/**
 * `scalestack gateway`: one gateway process on its own (several of them
 * share rate limits through REDIS_URL). Replicas come from GATEWAY_UPSTREAMS,
 * or from the Redis registry the replicas heartbeat into.
 */
export async function gateway(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`scalestack: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const missing = (['JWT_SECRET', 'INTERNAL_SECRET'] as const).filter((k) => !config[k]);
  if (missing.length > 0) {
    process.stderr.write(`scalestack gateway: set ${missing.join(' and ')} (shared with the services), e.g. ${missing[0]}=${randomBytes(32).toString('base64url')}\n`);
    process.exit(2);
  }
  if (!config.GATEWAY_UPSTREAMS && !config.REDIS_URL) {
    process.stderr.write('scalestack gateway: set GATEWAY_UPSTREAMS (static replicas) or REDIS_URL (replicas register there)\n');
    process.exit(2);
  }
  // Traces (OTEL_EXPORTER_OTLP_ENDPOINT) and log shipping (LOKI_URL) as every other process, under the gateway's own name.
  const named = { ...config, OTEL_SERVICE_NAME: config.OTEL_SERVICE_NAME ?? 'scalestack-gateway' };
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY, loki: lokiSettings(named) });
  const tracing = await initTracing(tracingSettings(named));
  if (!config.REDIS_URL) logger.warn('REDIS_URL unset: rate limits are counted in this gateway alone, not shared with other gateways');
  const registry = config.GATEWAY_UPSTREAMS
    ? new StaticRegistry(parseRemoteServices(config.GATEWAY_UPSTREAMS))
    : new RedisRegistry(config.REDIS_URL!, redisPrefix(config));
  // The edge checks a token's user with identity (exists, token not revoked by a password change), on identity's replicas it routes to.
  const started: { pools?: Gateway['pools'] } = {};
  const identityUrls = () => started.pools?.get(identityService.name)?.all().filter((u) => u.available).map((u) => u.url) ?? [];
  const identity = await identityService.remoteClient!({ urls: identityUrls, secret: config.INTERNAL_SECRET! });
  const edge = await startGateway({ config, logger, registry, userCheck: identity.userExists! });
  started.pools = edge.pools;
  exitGracefully(
    async () => {
      await edge.close();
      await identity.close?.();
      await registry.close();
      await tracing.shutdown();
      await flushLogShipping();
    },
    logger,
    config.SHUTDOWN_TIMEOUT_MS,
  );
}
