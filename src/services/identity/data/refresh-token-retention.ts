import type { Bus, Subscription } from '../../../platform/bus/port.js';
import { startCronJob } from '../../../platform/bus/cron-job.js';
import type { Logger } from '../../../platform/log/logger.js';
import type { RefreshTokens } from '../domain/refresh-tokens.js';

export const REFRESH_TOKEN_RETENTION_QUEUE = 'identity.prune-refresh-tokens';

/**
 * Expired and revoked refresh tokens are deleted on the platform's cron, one pass per tick across every process
 * (the tick's claim, src/platform/bus/schedule.ts), on the bus retention's rhythm (as orders' idempotency keys are).
 */
export async function startRefreshTokenRetention(bus: Bus, refreshTokens: RefreshTokens, everyMs: number, logger: Logger): Promise<Subscription> {
  return startCronJob(bus, REFRESH_TOKEN_RETENTION_QUEUE, everyMs, async () => {
    const pruned = await refreshTokens.prune();
    if (pruned > 0) logger.info({ pruned }, 'retention: expired and revoked refresh tokens pruned');
  }, 3);
}
