import { loadConfig, ConfigError } from '../platform/config/load-config.js';
import { createLogger } from '../platform/log/logger.js';
import { startSystem } from '../platform/runtime/system.js';
import { exitGracefully } from '../platform/runtime/shutdown.js';
import { allServices } from '../services/registry.js';

/** `scalestack start`: the whole system in one process (the embedded topology). */
export async function start(): Promise<void> {
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
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  logger.info(
    {
      database: config.DATABASE_URL ? redactUrl(config.DATABASE_URL) : `embedded PGlite in ${config.DATA_DIR}`,
      feed: config.FEED_STRATEGY,
    },
    'starting scalestack',
  );
  try {
    const system = await startSystem({ config, services: allServices, logger });
    exitGracefully(system.close, logger, config.SHUTDOWN_TIMEOUT_MS);
  } catch (err) {
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
