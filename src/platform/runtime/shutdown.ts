import closeWithGrace from 'close-with-grace';
import type { Logger } from '../log/logger.js';

/**
 * On SIGTERM/SIGINT: run `close` (stop accepting, finish in-flight, close
 * pools) and exit 0; exit 1 if it fails or takes longer than `timeoutMs`.
 */
export function exitGracefully(close: () => Promise<void>, logger: Logger, timeoutMs: number): void {
  closeWithGrace({ delay: timeoutMs, logger: false }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'fatal error, shutting down');
    else logger.info({ signal }, 'shutting down');
    await close();
    logger.info('stopped');
    logger.flush();
  });
}
