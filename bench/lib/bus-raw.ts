/**
 * The brokers' own clients with nothing of ours on top: publish with the
 * same durability (confirms / acks / a pipelined XADD) and consume with
 * acks, so bench/bus.ts can show what the bus layer costs.
 */
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Redis } from 'ioredis';

export interface RawRun {
  /** Publishes `count` messages in batches, waits until all are consumed; returns seconds. */
  (count: number, batch: number, inFlight: number): Promise<number>;
}

const id = () => randomBytes(4).toString('hex');
const body = (i: number) => Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(64) }));

async function pump(count: number, batch: number, inFlight: number, send: (from: number, n: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const from = next;
      next += batch;
      await send(from, Math.min(batch, count - from));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

function counter(count: number) {
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  return { hit: () => { if (++seen === count) done(); }, finished };
}

export const rawAmqp = (url: string): RawRun => async (count, batch, inFlight) => {
  const conn = await amqp.connect(url);
  const pub = await conn.createConfirmChannel();
  const sub = await conn.createChannel();
  const queue = `bench.raw.${id()}`;
  await pub.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await sub.prefetch(32);
  const c = counter(count);
  await sub.consume(queue, (m) => { if (m) { sub.ack(m); c.hit(); } });
  const t0 = performance.now();
  await pump(count, batch, inFlight, async (from, n) => {
    for (let i = 0; i < n; i++) pub.sendToQueue(queue, body(from + i), { persistent: true });
    await pub.waitForConfirms();
  });
  await c.finished;
  const seconds = (performance.now() - t0) / 1000;
  await pub.deleteQueue(queue);
  await conn.close();
  return seconds;
};

export const rawNats = (url: string): RawRun => async (count, batch, inFlight) => {
  const u = new URL(url);
  const nc = await connect({ servers: `${u.hostname}:${u.port || 4222}` });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const stream = `BENCH_RAW_${id()}`;
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
  await jsm.consumers.add(stream, { durable_name: 'raw', ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
  const messages = await (await js.consumers.get(stream, 'raw')).consume({ max_messages: 64 });
  const c = counter(count);
  void (async () => { for await (const m of messages) { m.ack(); c.hit(); } })();
  const t0 = performance.now();
  await pump(count, batch, inFlight, async (from, n) => {
    await Promise.all(Array.from({ length: n }, (_, i) => js.publish(`${stream}.x`, body(from + i))));
  });
  await c.finished;
  const seconds = (performance.now() - t0) / 1000;
  await messages.close();
  await jsm.streams.delete(stream);
  await nc.close();
  return seconds;
};

export const rawRedis = (url: string): RawRun => async (count, batch, inFlight) => {
  const u = new URL(url);
  u.search = '';
  const redis = new Redis(u.toString());
  const reader = new Redis(u.toString());
  const key = `bench:raw:${id()}`;
  await redis.xgroup('CREATE', key, 'g', '0', 'MKSTREAM');
  const c = counter(count);
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const res = (await reader.xreadgroup('GROUP', 'g', 'c', 'COUNT', 64, 'BLOCK', 200, 'STREAMS', key, '>')) as Array<[string, Array<[string, string[]]>]> | null;
      const entries = res?.[0]?.[1] ?? [];
      if (entries.length) await redis.xack(key, 'g', ...entries.map((e) => e[0]));
      entries.forEach(() => c.hit());
    }
  })();
  const t0 = performance.now();
  await pump(count, batch, inFlight, async (from, n) => {
    const p = redis.pipeline();
    for (let i = 0; i < n; i++) p.xadd(key, '*', 'e', body(from + i));
    await p.exec();
  });
  await c.finished;
  const seconds = (performance.now() - t0) / 1000;
  stop = true;
  await loop;
  await redis.del(key);
  redis.disconnect();
  reader.disconnect();
  return seconds;
};
