import type { Database } from '../../../platform/db/database.js';
import type { Bus, Subscription } from '../../../platform/bus/port.js';
import { startCronJob } from '../../../platform/bus/cron-job.js';
import type { Logger } from '../../../platform/log/logger.js';
import { pruneIdempotencyKeys } from '../../../platform/http/plugins/idempotency.js';

export const IDEMPOTENCY_RETENTION_QUEUE = 'orders.prune-idempotency-keys';

/**
 * Expired Idempotency-Key answers (older than IDEMPOTENCY_TTL_S) are deleted
 * on the platform's cron, one pass per tick across every process (the tick's
 * claim, src/platform/bus/schedule.ts), on the bus retention's rhythm.
 */
export async function startIdempotencyRetention(bus: Bus, db: Database, table: string, everyMs: number, logger: Logger): Promise<Subscription> {
  return startCronJob(bus, IDEMPOTENCY_RETENTION_QUEUE, everyMs, async () => {
    const pruned = await pruneIdempotencyKeys(db, table);
    if (pruned > 0) logger.info({ table, pruned }, 'retention: expired idempotency keys pruned');
  }, 3);
}
