import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { Logger } from '../log/logger.js';
import { openBus } from './choose-bus.js';
import type { DeadLetterStore } from './dead-letters.js';
import { addToOutbox, OutboxRelay } from './outbox.js';
import type { Bus, OutgoingEvent } from './port.js';
import type { BusMetrics } from '../metrics/bus-metrics.js';

/** What a service uses to emit events reliably: write them in its transaction, then nudge the relay. */
export interface Outbox {
  /** Inside the service's transaction; returns the event ids. */
  add<Tables>(trx: Kysely<Tables>, events: OutgoingEvent[]): Promise<string[]>;
  /** After commit: publish now instead of at the next poll. */
  wake(): void;
}

export interface PlatformBus {
  bus: Bus & { deadLetters: DeadLetterStore };
  outbox: Outbox;
  close(): Promise<void>;
}

/** The process's bus (adapter from BUS_URL) plus its outbox relay; the runtime starts one per process. */
export async function startPlatformBus(options: { url: string | undefined; db: Database; logger: Logger; metrics?: BusMetrics; redisPrefix?: string }): Promise<PlatformBus> {
  const bus = await openBus({
    url: options.url, db: options.db, logger: options.logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.redisPrefix ? { redisPrefix: options.redisPrefix } : {}),
  });
  const relay = new OutboxRelay(options.db, bus, {
    logger: options.logger,
    brokerEpoch: () => bus.epoch(),
  }).start();
  options.logger.info({ bus: bus.kind }, 'bus ready');
  return {
    bus,
    outbox: { add: addToOutbox, wake: () => relay.wake() },
    close: async () => {
      await relay.stop();
      await bus.close();
    },
  };
}
