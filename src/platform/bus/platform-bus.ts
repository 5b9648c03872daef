import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { runMigrations } from '../db/migrations.js';
import type { Logger } from '../log/logger.js';
import { openBus } from './open-bus.js';
import type { DeadLetterStore } from './dead-letters.js';
import { busMigrations } from './migrations.js';
import { addToOutbox, OutboxRelay } from './outbox.js';
import type { Bus, OutgoingEvent } from './port.js';
import type { BusMetrics } from '../metrics/bus-metrics.js';

/** What a service uses to emit events reliably: write them in its transaction, then nudge the relay. */
export interface Outbox {
  /** Inside the service's transaction; returns the event ids. */
  add<Tables>(trx: Kysely<Tables>, events: OutgoingEvent[]): Promise<string[]>;
  /** After commit: publish now instead of at the next poll. */
  wake(): void;
  /**
   * Makes `add` work in transactions on another database (a shard): creates the
   * platform tables there and relays its outbox, leased like the process's own
   * relay, until the returned stop is called or the bus closes.
   */
  attach(db: Database): Promise<() => Promise<void>>;
}

export interface PlatformBus {
  bus: Bus & { deadLetters: DeadLetterStore };
  outbox: Outbox;
  /** Every database with a relayed outbox: the process's own and the attached shards (what retention prunes). */
  databases(): Database[];
  close(): Promise<void>;
}

/** The process's bus (adapter from BUS_URL) plus its outbox relay; the runtime starts one per process. */
export async function startPlatformBus(options: { url: string | undefined; db: Database; logger: Logger; metrics?: BusMetrics; redisPrefix?: string; namespace?: string }): Promise<PlatformBus> {
  const bus = await openBus({
    url: options.url, db: options.db, logger: options.logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.redisPrefix ? { redisPrefix: options.redisPrefix } : {}),
    ...(options.namespace ? { namespace: options.namespace } : {}),
  });
  const relayOptions = { logger: options.logger, brokerEpoch: () => bus.epoch() };
  // The process's database, plus every attached shard: each has its own outbox table and its own relay.
  const relays = new Map([[new OutboxRelay(options.db, bus, relayOptions).start(), options.db]]);
  options.logger.info({ bus: bus.kind }, 'bus ready');
  return {
    bus,
    outbox: {
      add: addToOutbox,
      // A write does not say which database it went to, so every relay looks (one cheap claim query each).
      wake: () => relays.forEach((_db, relay) => relay.wake()),
      attach: async (db) => {
        await runMigrations(db, [busMigrations]);
        const relay = new OutboxRelay(db, bus, relayOptions).start();
        relays.set(relay, db);
        return async () => {
          relays.delete(relay);
          await relay.stop();
        };
      },
    },
    databases: () => [...relays.values()],
    close: async () => {
      await Promise.all([...relays.keys()].map((relay) => relay.stop()));
      relays.clear();
      await bus.close();
    },
  };
}
