import type { Deliver, Envelope, Transport } from './port.js';

/** A name as the broker sees it under `namespace`; tests delete theirs by it (src/testing/broker-cleanup.ts). */
export const namespacedName = (namespace: string, plain: string) => `${namespace}.${plain}`;

/**
 * BUS_NAMESPACE: every topic, consumer group, job queue and cron claim this
 * process uses on the broker is named `<namespace>.<name>`, so several
 * deployments (or test runs) can share one broker without consuming each
 * other's messages. Services keep the plain names: handlers see the topic
 * without the namespace.
 */
export function namespacedTransport(inner: Transport, namespace: string): Transport {
  const name = (plain: string) => namespacedName(namespace, plain);
  const cut = name('');
  const strip = (deliver: Deliver): Deliver => (envelope: Envelope) =>
    deliver(envelope.topic.startsWith(cut) ? { ...envelope, topic: envelope.topic.slice(cut.length) } : envelope);
  return {
    kind: inner.kind,
    publish: (envelopes) => inner.publish(envelopes.map((e) => ({ ...e, topic: name(e.topic) }))),
    consume: (topic, group, deliver, options) => inner.consume(name(topic), name(group), strip(deliver), options),
    enqueue: (queue, envelope) => inner.enqueue(name(queue), { ...envelope, topic: name(envelope.topic) }),
    work: (queue, deliver, options) => inner.work(name(queue), strip(deliver), options),
    claim: (key, ttlMs) => inner.claim(name(key), ttlMs),
    ...(inner.epoch ? { epoch: () => inner.epoch!() } : {}),
    close: () => inner.close(),
  };
}
