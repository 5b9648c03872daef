import type { Database } from '../db/database.js';
import type { Envelope, Headers } from './port.js';

/**
 * The dead-letter queue is a Postgres table, not a broker queue: it must be
 * listed, inspected and replayed one message at a time from the CLI, the
 * same way on every adapter, and browsing a broker queue non-destructively
 * is not something RabbitMQ or Redis Streams do well.
 */
export interface DeadLetter {
  id: number;
  messageId: string;
  kind: 'event' | 'job';
  /** Event topic or job queue. */
  topic: string;
  /** The consumer group (events) or queue (jobs) that gave up. */
  consumer: string;
  key: string;
  payload: unknown;
  headers: Headers;
  attempts: number;
  reason: string;
  failedAt: Date;
  replayedAt: Date | null;
}

interface Row {
  id: number;
  message_id: string;
  kind: 'event' | 'job';
  topic: string;
  consumer: string;
  key: string;
  payload: unknown;
  headers: Headers;
  attempts: number;
  reason: string;
  failed_at: Date;
  replayed_at: Date | null;
}

interface Tables {
  'platform.dead_letters': Omit<Row, 'id' | 'failed_at' | 'replayed_at'> & { id?: number; failed_at?: Date; replayed_at?: Date | null };
}

const toDeadLetter = (r: Row): DeadLetter => ({
  id: r.id, messageId: r.message_id, kind: r.kind, topic: r.topic, consumer: r.consumer, key: r.key,
  payload: r.payload, headers: r.headers, attempts: r.attempts, reason: r.reason, failedAt: r.failed_at, replayedAt: r.replayed_at,
});

export class DeadLetterStore {
  constructor(private readonly database: Database) {}

  private get db() {
    return this.database.as<Tables>();
  }

  async put(kind: 'event' | 'job', consumer: string, envelope: Envelope, reason: string): Promise<void> {
    await this.db.insertInto('platform.dead_letters').values({
      message_id: envelope.id, kind, topic: envelope.topic, consumer, key: envelope.key,
      // jsonb: a payload that is a bare string (e.g. undecodable bytes) is stored as a JSON string.
      payload: JSON.stringify(envelope.payload ?? null), headers: JSON.stringify(envelope.headers) as unknown as Headers,
      attempts: envelope.attempt, reason: reason.slice(0, 2000),
    }).execute();
  }

  /** Not yet replayed, oldest first. */
  async list(options: { limit?: number; consumer?: string; includeReplayed?: boolean } = {}): Promise<DeadLetter[]> {
    let query = this.db.selectFrom('platform.dead_letters').selectAll().orderBy('id').limit(options.limit ?? 50);
    if (!options.includeReplayed) query = query.where('replayed_at', 'is', null);
    if (options.consumer) query = query.where('consumer', '=', options.consumer);
    return ((await query.execute()) as Row[]).map(toDeadLetter);
  }

  async get(id: number): Promise<DeadLetter | undefined> {
    const row = (await this.db.selectFrom('platform.dead_letters').selectAll().where('id', '=', id).executeTakeFirst()) as Row | undefined;
    return row && toDeadLetter(row);
  }

  /** Not yet replayed, counted per consumer and topic (the console's DLQ panel). */
  async pendingCounts(): Promise<{ consumer: string; topic: string; count: number }[]> {
    const rows = await this.db.selectFrom('platform.dead_letters')
      .select(['consumer', 'topic', (eb) => eb.fn.countAll<string>().as('count')])
      .where('replayed_at', 'is', null).groupBy(['consumer', 'topic']).orderBy('consumer').orderBy('topic').execute();
    return rows.map((r) => ({ consumer: r.consumer, topic: r.topic, count: Number(r.count) }));
  }
}
