import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { decode, encode } from '../envelope.js';
import type { Deliver, Envelope, Subscription, Transport } from '../port.js';

const EVENTS = 'scalestack.events';
const POISON = 'scalestack.poison';
/**
 * Fixed-TTL delay queues; a retry waits in the largest bucket not above its
 * delay and carries notBefore, so the bus re-delays it while it is still early
 * (a 150 ms backoff is 50 + 50 + 50 ms, never a retry after 50 ms).
 */
const DELAY_BUCKETS = [50, 200, 1000, 5000, 30_000, 300_000];

/**
 * Durable quorum queues; the broker itself dead-letters (to scalestack.poison)
 * a message delivered 50 times without an ack, i.e. one that crashes its
 * consumer before the bus layer can count attempts.
 */
const QUEUE_ARGS = {
  'x-queue-type': 'quorum',
  'x-delivery-limit': 50,
  'x-dead-letter-exchange': POISON,
  'x-dead-letter-strategy': 'at-least-once',
  'x-overflow': 'reject-publish',
};

/** The queue of each (group, topic) and of each job queue; tests delete theirs by these names (src/testing/broker-cleanup.ts). */
export const rabbitQueueNames = {
  event: (topic: string, group: string) => `ev.${group}.${topic}`,
  job: (queue: string) => `job.${queue}`,
};

const { 'x-delivery-limit': _limit, ...rest } = QUEUE_ARGS;
const DELAY_ARGS = { ...rest, 'x-dead-letter-exchange': '' };

/**
 * RabbitMQ: a topic exchange for events with one quorum queue per
 * (group, topic); a quorum queue per job queue; publisher confirms on every
 * publish; prefetch = concurrency. Delays (retries, delayed jobs) go through
 * TTL queues that dead-letter back into the target queue, since 3.x has no
 * native per-message delay without a plugin. amqplib's recovery reconnects
 * and `setup` re-declares topology and consumers each time.
 */
export async function createRabbitTransport(url: string): Promise<Transport> {
  const starters = new Set<(model: ChannelModel) => Promise<void>>();
  let model: ChannelModel | undefined;
  let publisher: ConfirmChannel | undefined;
  const declared = new Set<string>();
  const claimed = new Map<string, number>();

  // A short heartbeat notices a dead broker in seconds rather than at the next publish.
  const withHeartbeat = new URL(url);
  if (!withHeartbeat.searchParams.has('heartbeat')) withHeartbeat.searchParams.set('heartbeat', '5');
  const connection = await amqp.connect(withHeartbeat.toString(), {
    recovery: {
      initialDelay: 200, maxDelay: 2000, initialMaxRetries: 2,
      setup: async (m: ChannelModel) => {
        declared.clear();
        const ch = await m.createConfirmChannel();
        ch.on('error', () => {});
        await ch.assertExchange(EVENTS, 'topic', { durable: true });
        await ch.assertExchange(POISON, 'fanout', { durable: true });
        await ch.assertQueue(POISON, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
        await ch.bindQueue(POISON, POISON, '');
        for (const ms of DELAY_BUCKETS) {
          const name = `scalestack.delay.${ms}`;
          await ch.assertExchange(name, 'fanout', { durable: true });
          // No x-dead-letter-routing-key: the expired message keeps its routing key, the target queue's name.
          await ch.assertQueue(name, { durable: true, arguments: { ...DELAY_ARGS, 'x-message-ttl': ms } });
          await ch.bindQueue(name, name, '');
        }
        model = m;
        publisher = ch;
        for (const start of starters) await start(m);
      },
    },
  });
  connection.on('disconnect', () => {
    model = undefined;
    publisher = undefined;
  });
  connection.on('error', () => {});

  const confirmChannel = async (): Promise<ConfirmChannel> => {
    for (let waited = 0; !publisher; waited += 50) {
      if (waited > 15_000) throw new Error('RabbitMQ: not connected');
      await new Promise((r) => setTimeout(r, 50));
    }
    return publisher;
  };

  const assertJobQueue = async (ch: Channel, queue: string) => {
    if (declared.has(queue)) return;
    await ch.assertQueue(queue, { durable: true, arguments: QUEUE_ARGS });
    declared.add(queue);
  };

  const later = async (queue: string, envelope: Envelope, delayMs: number) => {
    const ch = await confirmChannel();
    const bucket = [...DELAY_BUCKETS].reverse().find((b) => b <= delayMs) ?? DELAY_BUCKETS[0]!;
    ch.publish(`scalestack.delay.${bucket}`, queue, encode(envelope), { persistent: true, messageId: envelope.id });
    await ch.waitForConfirms();
  };

  const listen = async (queue: string, bind: string | null, deliver: Deliver, concurrency: number): Promise<Subscription> => {
    let channel: Channel | undefined;
    const onMessage = (ch: Channel) => async (msg: ConsumeMessage | null) => {
      if (!msg) return;
      const envelope = decode(msg.content, bind ?? queue);
      // Quorum queues count returns of unacked deliveries (a consumer that died): each is an attempt.
      envelope.attempt += Number(msg.properties.headers?.['x-delivery-count'] ?? 0);
      try {
        const outcome = await deliver(envelope);
        if (outcome.kind === 'retry') {
          // The copy is a new message (its x-delivery-count starts again), so it carries every attempt so far.
          await later(queue, { ...envelope, attempt: envelope.attempt + (outcome.countAttempt ? 1 : 0), notBefore: Date.now() + outcome.delayMs }, outcome.delayMs);
        }
        ch.ack(msg);
      } catch {
        // Channel gone (the broker requeues its unacked messages itself) or the DLQ write failed: hand it back.
        try {
          ch.nack(msg, false, true);
        } catch {
          // The channel is closed: the broker already requeued it.
        }
      }
    };
    const start = async (m: ChannelModel) => {
      const ch = await m.createChannel();
      ch.on('error', () => {});
      await ch.prefetch(concurrency);
      await ch.assertQueue(queue, { durable: true, arguments: QUEUE_ARGS });
      if (bind) await ch.bindQueue(queue, EVENTS, bind);
      await ch.consume(queue, (msg) => void onMessage(ch)(msg));
      channel = ch;
    };
    starters.add(start);
    if (model) await start(model);
    return {
      stop: async () => {
        starters.delete(start);
        await channel?.close().catch(() => {});
      },
    };
  };

  return {
    kind: 'amqp',
    publish: async (envelopes) => {
      const ch = await confirmChannel();
      for (const e of envelopes) {
        ch.publish(EVENTS, e.topic, encode(e), { persistent: true, messageId: e.id, contentType: 'application/json' });
      }
      await ch.waitForConfirms();
    },
    consume: (topic, group, deliver, { concurrency }) => listen(rabbitQueueNames.event(topic, group), topic, deliver, concurrency),
    enqueue: async (queue, envelope) => {
      const name = rabbitQueueNames.job(queue);
      const ch = await confirmChannel();
      await assertJobQueue(ch, name);
      const delay = (envelope.notBefore ?? 0) - Date.now();
      if (delay > 0) return later(name, envelope, delay);
      ch.sendToQueue(name, encode(envelope), { persistent: true, messageId: envelope.id });
      await ch.waitForConfirms();
    },
    work: (queue, deliver, { concurrency }) => listen(rabbitQueueNames.job(queue), null, deliver, concurrency),
    // An exclusive queue can be declared by one connection only: the broker arbitrates, and x-expires cleans up.
    // The owning connection may re-declare its own exclusive queue, so a second claim from this process is refused here.
    claim: async (key, ttlMs) => {
      if (!model) throw new Error('RabbitMQ: not connected');
      const now = Date.now();
      for (const [k, until] of claimed) if (until <= now) claimed.delete(k);
      if (claimed.has(key)) return false;
      claimed.set(key, now + ttlMs);
      const ch = await model.createChannel();
      ch.on('error', () => {});
      try {
        await ch.assertQueue(`scalestack.claim.${key}`, { exclusive: true, durable: false, arguments: { 'x-expires': ttlMs } });
        return true;
      } catch {
        return false;
      } finally {
        await ch.close().catch(() => {});
      }
    },
    close: async () => {
      starters.clear();
      await connection.close().catch(() => {});
    },
  };
}
