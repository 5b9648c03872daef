import type { TSchema } from '@sinclair/typebox';

/**
 * The bus as services see it: events (publish/subscribe by consumer group)
 * and jobs (enqueue/process, cron). Retries, backoff, validation and the
 * dead-letter queue live once, in create-bus.ts, above every adapter.
 */

/** Message headers: string to string, as every broker carries them. */
export type Headers = Record<string, string>;

/** An event as a producer hands it over. `id` defaults to a fresh UUID; it is what the inbox deduplicates on. */
export interface OutgoingEvent<T = unknown> {
  topic: string;
  /** Partition/order key (e.g. the aggregate id). */
  key: string;
  payload: T;
  id?: string;
  headers?: Headers;
}

/** What a handler receives. */
export interface Delivery<T = unknown> {
  id: string;
  topic: string;
  key: string;
  payload: T;
  headers: Headers;
  /** 1 on first delivery; counts redeliveries and retries. */
  attempt: number;
}

export type Handler<T = unknown> = (delivery: Delivery<T>) => Promise<void>;

export interface ConsumeOptions<T = unknown> {
  /** Handlers running at once in this process for this subscription (default 1). */
  concurrency?: number;
  /** Payloads failing it go straight to the DLQ with the reason; the handler never sees them. */
  schema?: TSchema & { static?: T };
  /** Attempts before dead-lettering (default from the bus, 5). */
  maxAttempts?: number;
}

export interface EnqueueOptions {
  /** Not processed before this many ms from now. */
  delayMs?: number;
  /** Attempts before dead-lettering (default from the bus). */
  attempts?: number;
  id?: string;
  headers?: Headers;
}

export interface Subscription {
  stop(): Promise<void>;
}

export interface Schedule {
  /** Unique name; one firing per tick across every instance using it. */
  name: string;
  /** Tick length; ticks are aligned to the epoch, so every instance agrees on them. */
  everyMs: number;
  /** The job queue that receives one job per tick (payload `{ tick }`, epoch ms). */
  queue: string;
}

export interface Bus {
  readonly kind: TransportKind;
  /** Resolves once the broker has confirmed every event (durably stored). */
  publish(events: OutgoingEvent[]): Promise<void>;
  subscribe<T>(topic: string, group: string, handler: Handler<T>, options?: ConsumeOptions<T>): Promise<Subscription>;
  enqueue<T>(queue: string, payload: T, options?: EnqueueOptions): Promise<string>;
  process<T>(queue: string, handler: Handler<T>, options?: ConsumeOptions<T>): Promise<Subscription>;
  /** Fires `schedule.queue` once per tick across all instances running the same schedule. */
  schedule(schedule: Schedule): Subscription;
  /** See Transport.epoch. */
  epoch(): Promise<string | null>;
  close(): Promise<void>;
}

// ---- the adapter side: what each broker must provide, and nothing more ----

export type TransportKind = 'memory' | 'amqp' | 'nats' | 'redis';

/** A message on the wire. Every adapter carries these fields as-is. */
export interface Envelope {
  id: string;
  topic: string;
  key: string;
  payload: unknown;
  headers: Headers;
  /** 1-based; the adapter adds broker-counted redeliveries. */
  attempt: number;
  /** Epoch ms; jobs only: not to be handled before. */
  notBefore?: number;
  /** Jobs only: attempts before dead-lettering. */
  maxAttempts?: number;
}

/** What the layer above tells the adapter after handling one delivery. */
export type Outcome =
  | { kind: 'ack' }
  /** Deliver again to the same group/queue after `delayMs`; `countAttempt` false for a not-yet-due job. */
  | { kind: 'retry'; delayMs: number; countAttempt: boolean };

export type Deliver = (envelope: Envelope) => Promise<Outcome>;

export interface Transport {
  readonly kind: TransportKind;
  /** Resolves only after the broker confirmed every envelope; rejects (never drops silently) otherwise. */
  publish(envelopes: Envelope[]): Promise<void>;
  /** Competing consumers within `group`; every group gets every event published after it first subscribed. */
  consume(topic: string, group: string, deliver: Deliver, options: { concurrency: number }): Promise<Subscription>;
  enqueue(queue: string, envelope: Envelope): Promise<void>;
  work(queue: string, deliver: Deliver, options: { concurrency: number }): Promise<Subscription>;
  /** True for exactly one caller per key within `ttlMs` across every instance. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /**
   * For a broker that may come back from a restart without its data (Redis
   * without fsync'd persistence): an id that changes on every restart, so the
   * outbox relay knows to re-send what it had sent. Null: restarts keep data.
   */
  epoch?(): Promise<string>;
  /** Stops consuming; unacknowledged messages go back to the broker. */
  close(): Promise<void>;
}
