import { sql } from 'kysely';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../config/load-config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../log/logger.js';
import type { Bus, Subscription } from './port.js';
import { startCronJob } from './cron-job.js';

/**
 * The platform's own tables would grow forever: every event leaves an outbox
 * row and an inbox row per consumer, every 202 job a status row. A cron
 * schedule (once per tick across every process, schedule.ts) deletes what is
 * past its retention:
 *
 * - outbox rows sent more than BUS_RETENTION_OUTBOX_S ago (never an unsent
 *   row). While retained, a row is re-sent if the broker comes back without
 *   its data (OutboxRelay, broker epoch).
 * - inbox ids applied more than BUS_RETENTION_INBOX_S ago. An id must
 *   outlive every redelivery of its event, the relay's re-send of retained
 *   outbox rows included, so this must be longer than the outbox's
 *   retention; loadRetention refuses otherwise.
 * - finished (succeeded/failed) job statuses last updated more than
 *   BUS_RETENTION_JOBS_S ago; a job still running is never pruned.
 */
export interface RetentionSettings {
  outboxSentMs: number;
  inboxMs: number;
  jobsMs: number;
  everyMs: number;
  /** Rows per DELETE, so one pass never holds a long lock on a big backlog (default 10,000). */
  batchSize?: number;
}

export interface Pruned {
  outbox: number;
  inbox: number;
  jobs: number;
}

export const RETENTION_QUEUE = 'platform.retention';

export function loadRetention(config: Pick<Config, 'BUS_RETENTION_OUTBOX_S' | 'BUS_RETENTION_INBOX_S' | 'BUS_RETENTION_JOBS_S' | 'BUS_RETENTION_EVERY_S'>): RetentionSettings {
  if (config.BUS_RETENTION_INBOX_S <= config.BUS_RETENTION_OUTBOX_S) {
    throw new ConfigError(`invalid configuration:\n  BUS_RETENTION_INBOX_S=${config.BUS_RETENTION_INBOX_S}: must be longer than BUS_RETENTION_OUTBOX_S=${config.BUS_RETENTION_OUTBOX_S} ` +
      '(a retained outbox row may be sent again; its consumers must still remember its id)');
  }
  return {
    outboxSentMs: config.BUS_RETENTION_OUTBOX_S * 1000,
    inboxMs: config.BUS_RETENTION_INBOX_S * 1000,
    jobsMs: config.BUS_RETENTION_JOBS_S * 1000,
    everyMs: config.BUS_RETENTION_EVERY_S * 1000,
  };
}

type Any = Record<string, never>;

/** Deletes in batches until a batch comes back short; returns the rows deleted. */
async function inBatches(batch: () => Promise<bigint | undefined>, size: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = Number((await batch()) ?? 0n);
    total += n;
    if (n < size) return total;
  }
}

/** One pass over the three tables; `now` is the database's clock, so every process agrees on the cut-offs. */
export async function pruneBusTables(database: Database, settings: RetentionSettings): Promise<Pruned> {
  const db = database.as<Any>();
  const size = settings.batchSize ?? 10_000;
  const ms = (n: number) => `${n} milliseconds`;
  const outbox = await inBatches(async () => (await sql`delete from platform.outbox where seq in (
      select seq from platform.outbox where sent_at < now() - ${ms(settings.outboxSentMs)}::interval limit ${size})`.execute(db)).numAffectedRows, size);
  // The inbox's key is (consumer, event_id): ctid names a batch of rows without a sequence column.
  const inbox = await inBatches(async () => (await sql`delete from platform.inbox where ctid = any(array(
      select ctid from platform.inbox where processed_at < now() - ${ms(settings.inboxMs)}::interval limit ${size}))`.execute(db)).numAffectedRows, size);
  const jobs = await inBatches(async () => (await sql`delete from platform.job_status where id in (
      select id from platform.job_status where state in ('succeeded', 'failed') and updated_at < now() - ${ms(settings.jobsMs)}::interval
      limit ${size})`.execute(db)).numAffectedRows, size);
  return { outbox, inbox, jobs };
}

/**
 * Runs pruneBusTables on `databases` (the process's own and the shards attached
 * to its outbox) once per tick across every process sharing the bus:
 * each process schedules the tick and works the queue; the tick's claim
 * (schedule.ts) lets one of them enqueue it.
 */
export async function startRetention(bus: Bus, databases: () => readonly Database[], settings: RetentionSettings, logger?: Logger): Promise<Subscription> {
  return startCronJob(bus, RETENTION_QUEUE, settings.everyMs, async (delivery) => {
    const pruned: Pruned = { outbox: 0, inbox: 0, jobs: 0 };
    for (const database of databases()) {
      const one = await pruneBusTables(database, settings);
      pruned.outbox += one.outbox;
      pruned.inbox += one.inbox;
      pruned.jobs += one.jobs;
    }
    logger?.debug({ tick: delivery.payload.tick, pruned }, 'retention: pass done');
    if (pruned.outbox + pruned.inbox + pruned.jobs > 0) logger?.info({ pruned }, 'retention: pruned platform tables');
  }, 3);
}
