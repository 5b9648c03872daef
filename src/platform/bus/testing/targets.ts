import { randomBytes } from 'node:crypto';
import { openDatabase } from '../../db/open-database.js';
import { runMigrations } from '../../db/migrations.js';
import type { Database } from '../../db/database.js';
import { skipUnlessAvailable } from '../../../testing/services-required.js';
import { MemoryBroker } from '../adapters/memory.js';
import { openBus, openTransport } from '../open-bus.js';
import { busMigrations } from '../migrations.js';
import { busKeys } from '../adapters/redis-streams.js';

/** The four adapters as suites run them; broker URLs overridable for other machines. */
export interface BusTarget {
  name: string;
  url: string | undefined;
  /** node:test options: skip (laptop) when the broker is absent; throws under CI/REQUIRE_SERVICES. */
  options: { skip?: string };
  /** Two transports of one target share a broker: for memory, this object. */
  memory?: MemoryBroker;
}

export const BROKER_URLS = {
  amqp: process.env['TEST_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672',
  // Short redelivery timeouts so "a consumer died" tests wait seconds, not the production 30 s.
  nats: process.env['TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222?ack_wait_ms=1500',
  redis: process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379?visibility_ms=1500',
};

async function reachable(url: string): Promise<string | null> {
  try {
    const transport = await Promise.race([
      openTransport(url),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out after 5 s')), 5000)),
    ]);
    await transport.close();
    return null;
  } catch (err) {
    return `broker not reachable at ${url} (${(err as Error).message})`;
  }
}

/** Every adapter, or only those named in BUS_TARGETS (e.g. `BUS_TARGETS=redis`, to run one adapter's suites). */
export async function busTargets(only = process.env['BUS_TARGETS']?.split(',')): Promise<BusTarget[]> {
  const wanted = (name: string) => !only || only.includes(name);
  const targets: BusTarget[] = wanted('memory') ? [{ name: 'memory', url: undefined, options: {}, memory: new MemoryBroker() }] : [];
  for (const [name, url] of Object.entries(BROKER_URLS)) {
    if (wanted(name)) targets.push({ name, url, options: skipUnlessAvailable(await reachable(url)) });
  }
  return targets;
}

export async function migratedMemoryDb(): Promise<Database> {
  const db = await openDatabase({ dataDir: 'memory://', poolMax: 1 });
  await runMigrations(db, [busMigrations]);
  return db;
}

export const openTestBus = (target: BusTarget, db: Database) =>
  openBus({ url: target.url, db, ...(target.memory ? { memory: target.memory } : {}), maxAttempts: 5, backoff: { baseMs: 20, maxMs: 200, minMs: 10 } });

export const unique = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Puts bytes that are not an envelope on a topic, with the broker's own client (what a buggy or foreign producer would do). */
export async function injectRaw(target: BusTarget, topic: string, bytes: string): Promise<void> {
  const url = target.url!;
  if (target.name === 'amqp') {
    const { default: amqp } = await import('amqplib');
    const conn = await amqp.connect(url);
    const ch = await conn.createConfirmChannel();
    ch.publish('scalestack.events', topic, Buffer.from(bytes));
    await ch.waitForConfirms();
    await conn.close();
  } else if (target.name === 'nats') {
    const { connect } = await import('@nats-io/transport-node');
    const { jetstream } = await import('@nats-io/jetstream');
    const u = new URL(url);
    const nc = await connect({ servers: `${u.hostname}:${u.port || 4222}` });
    await jetstream(nc).publish(`ss.ev.${topic}`, new TextEncoder().encode(bytes));
    await nc.close();
  } else {
    const { Redis } = await import('ioredis');
    const u = new URL(url);
    u.search = '';
    const redis = new Redis(u.toString());
    await redis.xadd(busKeys('scalestack').events(topic), '*', 'e', bytes);
    redis.disconnect();
  }
}
