import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { Logger } from '../log/logger.js';
import { newId } from './envelope.js';
import { withContextHeaders } from './message-context.js';
import { detached, tracePublish } from '../tracing/bus-spans.js';
import type { Bus, Headers, OutgoingEvent } from './port.js';

/**
 * Writes events into platform.outbox inside the caller's transaction, so
 * they exist if and only if the change they describe committed. `trx` is
 * the service's own (typed) transaction. Returns the event ids.
 */
export async function addToOutbox<Tables>(trx: Kysely<Tables>, events: OutgoingEvent[]): Promise<string[]> {
  const ids: string[] = [];
  for (const e of events) {
    const id = e.id ?? newId();
    ids.push(id);
    await sql`insert into platform.outbox (id, topic, key, payload, headers)
      values (${id}, ${e.topic}, ${e.key}, ${JSON.stringify(e.payload ?? null)}::jsonb, ${JSON.stringify(withContextHeaders(e.headers))}::jsonb)`.execute(trx);
  }
  return ids;
}

/** A job enqueued only if the caller's transaction commits (e.g. the job behind a 202 Accepted). */
export async function addJobToOutbox<Tables>(trx: Kysely<Tables>, queue: string, payload: unknown, options: { id?: string; headers?: Headers } = {}): Promise<string> {
  const id = options.id ?? newId();
  await sql`insert into platform.outbox (id, kind, topic, key, payload, headers)
    values (${id}, 'job', ${queue}, ${id}, ${JSON.stringify(payload ?? null)}::jsonb, ${JSON.stringify(withContextHeaders(options.headers))}::jsonb)`.execute(trx);
  return id;
}

/** What the relay sends through: the Bus, or anything with the same two methods. */
export type RelayTarget = Pick<Bus, 'publish' | 'enqueue'>;

interface OutboxRow {
  seq: number;
  kind: 'event' | 'job';
  id: string;
  topic: string;
  key: string;
  payload: unknown;
  headers: Headers;
}

export interface RelayOptions {
  batchSize?: number;
  /** How often to look when nobody called wake() (default 250 ms). */
  pollMs?: number;
  logger?: Logger;
  /** Bus.epoch: when it changes, rows sent before are sent again (the broker may have lost them). */
  brokerEpoch?: () => Promise<string | null>;
}

/**
 * Publishes unsent outbox rows in order and marks them sent only after the
 * broker confirmed them. Rows are locked with SKIP LOCKED for the length of
 * the publish, so several relays (one per process) share the work without
 * sending a row twice; a relay that dies mid-publish leaves its rows unsent
 * (its transaction rolls back) and they are sent again — consumers' inboxes
 * absorb that duplicate.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private again = false;
  private failures = 0;
  private epoch: string | null = null;

  constructor(
    private readonly database: Database,
    private readonly target: RelayTarget,
    private readonly options: RelayOptions = {},
  ) {}

  start(): this {
    this.stopped = false;
    this.wake();
    return this;
  }

  /** Look now (call after committing a transaction that wrote to the outbox). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = detached(() => this.loop()).finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      const delay = this.again ? 0 : this.failures > 0 ? Math.min(5000, 100 * 2 ** this.failures) : this.options.pollMs ?? 250;
      this.again = false;
      this.timer = setTimeout(() => this.wake(), delay);
    });
  }

  private async loop(): Promise<void> {
    try {
      await this.checkEpoch();
      while (!this.stopped && (await this.relayBatch()) > 0);
      this.failures = 0;
    } catch (err) {
      this.failures++;
      this.options.logger?.warn({ err, failures: this.failures }, 'outbox relay: publish failed; will retry');
    }
  }

  /** Sends one batch; returns how many rows it sent. */
  async relayBatch(): Promise<number> {
    const db = this.database.as<Record<string, never>>();
    return db.transaction().execute(async (trx) => {
      const { rows } = await sql<OutboxRow>`select seq, kind, id, topic, key, payload, headers from platform.outbox
        where sent_at is null order by seq limit ${this.options.batchSize ?? 500} for update skip locked`.execute(trx);
      if (rows.length === 0) return 0;
      // One publish span per row, child of the request that wrote it; its traceparent is what the consumer sees.
      const traced = tracePublish(rows);
      try {
        const events = traced.rows.filter((r) => r.kind === 'event');
        if (events.length > 0) await this.target.publish(events.map((r) => ({ id: r.id, topic: r.topic, key: r.key, payload: r.payload, headers: r.headers })));
        for (const job of traced.rows.filter((r) => r.kind === 'job')) await this.target.enqueue(job.topic, job.payload, { id: job.id, headers: job.headers });
      } catch (err) {
        traced.end(err);
        throw err;
      }
      traced.end();
      await sql`update platform.outbox set sent_at = now() where seq = any(${rows.map((r) => r.seq)}::bigint[])`.execute(trx);
      return rows.length;
    });
  }

  /**
   * A broker that restarted without its data may have dropped events it had
   * confirmed: send again everything still retained. Consumers' inboxes turn
   * the duplicates into no-ops; nothing is lost.
   */
  private async checkEpoch(): Promise<void> {
    const epoch = (await this.options.brokerEpoch?.()) ?? null;
    if (this.epoch !== null && epoch !== null && epoch !== this.epoch) {
      const result = await sql`update platform.outbox set sent_at = null where sent_at is not null`.execute(this.database.as<Record<string, never>>());
      this.options.logger?.warn({ resent: Number(result.numAffectedRows ?? 0) }, 'outbox relay: broker restarted without its data; re-sending retained events');
    }
    this.epoch = epoch;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
