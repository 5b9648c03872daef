import type { Database } from '../db/database.js';
import { createMemoryTransport, type MemoryBroker } from './adapters/memory.js';
import { createBus, type BusOptions } from './create-bus.js';
import { DeadLetterStore } from './dead-letters.js';
import { namespacedTransport } from './namespaced-transport.js';
import type { Bus, Transport } from './port.js';

/**
 * The one place BUS_URL is read (see docs/adr/0005-bus-adapters.md):
 * absent → in process; amqp:// → RabbitMQ; nats:// → NATS JetStream;
 * redis:// → Redis. Broker clients are imported only when chosen, so the
 * embedded setup never loads them.
 */
export async function openTransport(url: string | undefined, memory?: MemoryBroker, redisPrefix?: string): Promise<Transport> {
  if (!url) return createMemoryTransport(memory);
  const scheme = new URL(url).protocol;
  switch (scheme) {
    case 'amqp:':
    case 'amqps:':
      return (await import('./adapters/rabbitmq.js')).createRabbitTransport(url);
    case 'nats:':
      return (await import('./adapters/nats.js')).createNatsTransport(url);
    case 'redis:':
    case 'rediss:':
      return (await import('./adapters/redis.js')).createRedisTransport(url, redisPrefix === undefined ? {} : { prefix: redisPrefix });
    default:
      throw new Error(`BUS_URL: unsupported scheme "${scheme}" (expected amqp://, nats:// or redis://, or unset for in-process)`);
  }
}

export interface OpenBusOptions extends Omit<BusOptions, 'deadLetters'> {
  url: string | undefined;
  db: Database;
  memory?: MemoryBroker;
  /** REDIS_PREFIX, for a redis:// bus. */
  redisPrefix?: string;
  /** BUS_NAMESPACE: prefixes every broker-side name (namespaced-transport.ts). */
  namespace?: string;
}

export async function openBus(options: OpenBusOptions): Promise<Bus & { deadLetters: DeadLetterStore }> {
  const deadLetters = new DeadLetterStore(options.db);
  const plain = await openTransport(options.url, options.memory, options.redisPrefix);
  const transport = options.namespace ? namespacedTransport(plain, options.namespace) : plain;
  return Object.assign(createBus(transport, { ...options, deadLetters }), { deadLetters });
}
