import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { sql } from 'kysely';
import type { Database } from '../db/database.js';

/** Header stamped on every message when it is written (outbox) or sent: consumer lag is measured from it. */
export const SENT_AT_HEADER = 'scalestack-sent-at';

type Kind = 'event' | 'job';
type Message = { topic: string; headers: Record<string, string>; notBefore?: number };

/**
 * The bus's golden signals, per topic and consumer group: how long a
 * message waited before a consumer picked it up (lag, from its write to the
 * outbox, so a slow relay shows too), how it ended, and how long handling took.
 */
export class BusMetrics {
  private readonly lag: Histogram<'kind' | 'topic' | 'consumer'>;
  private readonly handled: Counter<'kind' | 'topic' | 'consumer' | 'outcome'>;
  private readonly duration: Histogram<'kind' | 'topic' | 'consumer'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ['kind', 'topic', 'consumer'] as const;
    this.lag = new Histogram({
      name: 'bus_consumer_lag_seconds',
      help: 'From a message being written (outbox) or sent until a consumer started handling it',
      labelNames, registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    });
    this.handled = new Counter({
      name: 'bus_messages_handled_total',
      help: 'Deliveries handled, by outcome: ok, retry (failed, will be redelivered), dead (dead-lettered)',
      labelNames: [...labelNames, 'outcome'], registers,
    });
    this.duration = new Histogram({
      name: 'bus_handler_duration_seconds',
      help: 'Time a handler took for one delivery',
      labelNames, registers,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
  }

  /** A consumer picked the message up; returns what to call when it is done. */
  started(kind: Kind, consumer: string, message: Message): (outcome: 'ok' | 'retry' | 'dead') => void {
    const labels = { kind, topic: message.topic, consumer };
    const sentAt = Number(message.headers[SENT_AT_HEADER]);
    if (Number.isFinite(sentAt) && sentAt > 0) this.lag.observe(labels, Math.max(0, Date.now() - Math.max(sentAt, message.notBefore ?? 0)) / 1000);
    const stop = this.duration.startTimer(labels);
    return (outcome) => {
      stop();
      this.handled.inc({ ...labels, outcome });
    };
  }
}

/**
 * Queue depth of the outbox (rows not yet sent, and the age of the oldest:
 * a relay that cannot publish shows here first) and dead letters awaiting
 * replay, read from Postgres at scrape time.
 */
export function registerOutboxGauges(registry: Registry, db: Database): void {
  const any = () => db.as<Record<string, never>>();
  new Gauge({
    name: 'outbox_pending_messages',
    help: 'Outbox rows written and not yet confirmed by the broker',
    registers: [registry],
    async collect() {
      // A scrape while the database is down or closing keeps the last values rather than failing /metrics.
      const rows = await sql<{ n: number; age: number | null }>`select count(*)::int as n,
        extract(epoch from now() - min(created_at))::float8 as age from platform.outbox where sent_at is null`.execute(any()).then((r) => r.rows, () => []);
      if (!rows[0]) return;
      this.set(rows[0].n);
      oldest.set(rows[0].age ?? 0);
    },
  });
  const oldest = new Gauge({ name: 'outbox_oldest_pending_age_seconds', help: 'Age of the oldest unsent outbox row (0 when none)', registers: [registry] });
  new Gauge({
    name: 'bus_dead_letters_pending',
    help: 'Dead-lettered messages not replayed yet',
    registers: [registry],
    async collect() {
      const rows = await sql<{ n: number }>`select count(*)::int as n from platform.dead_letters where replayed_at is null`.execute(any()).then((r) => r.rows, () => []);
      if (rows[0]) this.set(rows[0].n);
    },
  });
}
