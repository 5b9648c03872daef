import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, type JsMsg } from '@nats-io/jetstream';
import { decode, encode } from '../envelope.js';
import type { Deliver, Envelope, Subscription, Transport } from '../port.js';
import { DEDUP_ID_HEADER } from '../replay.js';

const EVENTS = 'SCALESTACK_EVENTS';
const JOBS = 'SCALESTACK_JOBS';
const CLAIMS = 'SCALESTACK_CLAIMS';
const DAY_NS = 24 * 3600 * 1e9;

/** Durable names may not contain '.', '*', '>' or spaces. */
const durableName = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');

/** Where each topic and job queue lives, and its group's durable consumer; tests delete theirs by these names (src/testing/broker-cleanup.ts). */
export const natsNames = {
  events: EVENTS,
  jobs: JOBS,
  eventSubject: (topic: string) => `ss.ev.${topic}`,
  jobSubject: (queue: string) => `ss.job.${queue}`,
  eventConsumer: (topic: string, group: string) => durableName(`${group}__${topic}`),
  jobConsumer: (queue: string) => durableName(`job__${queue}`),
};

/**
 * NATS JetStream: one stream for events (subject ss.ev.<topic>), one work
 * queue stream for jobs, a durable pull consumer per group (competing
 * consumers share it), explicit ack, nak with delay for retries and early
 * jobs, and Nats-Msg-Id so a re-sent publish is stored once. The client
 * reconnects by itself; durable consumers live in the server.
 * URL options: ?ack_wait_ms= (how long an unacked delivery waits before redelivery, 30000).
 */
export async function createNatsTransport(url: string): Promise<Transport> {
  const parsed = new URL(url);
  const ackWaitMs = Number(parsed.searchParams.get('ack_wait_ms') ?? 30_000);
  const nc: NatsConnection = await connect({ servers: `${parsed.hostname}:${parsed.port || 4222}`, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);

  const ensureStream = async (name: string, subjects: string[], extra: Record<string, unknown> = {}) => {
    try {
      await jsm.streams.info(name);
    } catch {
      await jsm.streams.add({ name, subjects, max_age: 7 * DAY_NS, ...extra });
    }
  };
  await ensureStream(EVENTS, ['ss.ev.>']);
  await ensureStream(JOBS, ['ss.job.>'], { retention: RetentionPolicy.Workqueue });
  // Claims are deduplicated by Nats-Msg-Id within duplicate_window: the first publish of a key wins.
  await ensureStream(CLAIMS, ['ss.claim'], { max_age: 3600 * 1e9, duplicate_window: 600 * 1e9 });

  const subs = new Set<() => void>();

  const send = async (subject: string, envelope: Envelope) => {
    const h = natsHeaders();
    for (const [k, v] of Object.entries(envelope.headers)) h.set(k, v);
    await js.publish(subject, encode(envelope), { msgID: envelope.headers[DEDUP_ID_HEADER] ?? envelope.id, headers: h });
  };

  const listen = async (stream: string, subject: string, durable: string, fallbackTopic: string, deliver: Deliver, concurrency: number): Promise<Subscription> => {
    // A new event group starts at new events; a job queue takes every job waiting (and work queues require it).
    try {
      await jsm.consumers.info(stream, durable);
    } catch {
      await jsm.consumers.add(stream, {
        durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: stream === JOBS ? DeliverPolicy.All : DeliverPolicy.New,
        filter_subject: subject, ack_wait: ackWaitMs * 1e6, max_deliver: -1, max_ack_pending: 10_000,
      });
    }
    const consumer = await js.consumers.get(stream, durable);
    const messages = await consumer.consume({ max_messages: Math.max(concurrency, 1) * 2 });
    let active = 0;
    let wake: (() => void) | undefined;
    const handle = async (m: JsMsg) => {
      const envelope = decode(Buffer.from(m.data), fallbackTopic);
      // JetStream counts deliveries; a job's first, early delivery is naked without counting as an attempt.
      envelope.attempt = Math.max(1, m.info.deliveryCount - (envelope.notBefore !== undefined ? 1 : 0));
      // A handler slower than ack_wait would be redelivered while still running: tell the server it is in progress.
      const heartbeat = setInterval(() => m.working(), ackWaitMs / 2);
      heartbeat.unref();
      try {
        const outcome = await deliver(envelope);
        if (outcome.kind === 'ack') m.ack();
        else m.nak(outcome.delayMs);
      } catch {
        m.nak(1000);
      } finally {
        clearInterval(heartbeat);
      }
    };
    void (async () => {
      for await (const m of messages) {
        while (active >= concurrency) await new Promise<void>((r) => (wake = r));
        active++;
        void handle(m).finally(() => {
          active--;
          wake?.();
        });
      }
    })();
    const stop = () => void messages.close();
    subs.add(stop);
    return {
      stop: async () => {
        subs.delete(stop);
        await messages.close();
      },
    };
  };

  return {
    kind: 'nats',
    publish: async (envelopes) => {
      await Promise.all(envelopes.map((e) => send(natsNames.eventSubject(e.topic), e)));
    },
    consume: (topic, group, deliver, { concurrency }) =>
      listen(EVENTS, natsNames.eventSubject(topic), natsNames.eventConsumer(topic, group), topic, deliver, concurrency),
    enqueue: (queue, envelope) => send(natsNames.jobSubject(queue), envelope),
    work: (queue, deliver, { concurrency }) => listen(JOBS, natsNames.jobSubject(queue), natsNames.jobConsumer(queue), queue, deliver, concurrency),
    claim: async (key) => {
      const ack = await js.publish('ss.claim', new Uint8Array(), { msgID: key });
      return !ack.duplicate;
    },
    close: async () => {
      for (const stop of subs) stop();
      subs.clear();
      await nc.close();
    },
  };
}
