import type { Deliver, Envelope, Subscription, Transport } from '../port.js';

/**
 * The embedded default: queues in this process. Delivery to every group,
 * competing consumers, per-key order (a key is never in flight twice in a
 * group), redelivery when a consumer stops before acking, delays. Nothing
 * survives the process — which is why producers publish through the
 * Postgres outbox (durable in PGlite too). Two transports given the same
 * MemoryBroker behave like two instances on one broker.
 */
export class MemoryBroker {
  readonly groups = new Map<string, Map<string, Group>>();
  readonly claims = new Map<string, number>();

  group(topic: string, name: string): Group {
    let byName = this.groups.get(topic);
    if (!byName) this.groups.set(topic, (byName = new Map()));
    let group = byName.get(name);
    if (!group) byName.set(name, (group = new Group()));
    return group;
  }
}

class Consumer {
  active = 0;
  stopped = false;
  readonly inflight = new Set<Envelope>();
  constructor(readonly concurrency: number, readonly deliver: Deliver) {}
}

class Group {
  readonly queue: Envelope[] = [];
  readonly consumers: Consumer[] = [];
  readonly busyKeys = new Set<string>();
  private next = 0;

  push(envelope: Envelope, front = false): void {
    if (front) this.queue.unshift(envelope);
    else this.queue.push(envelope);
    queueMicrotask(() => this.pump());
  }

  pump(): void {
    for (;;) {
      const consumer = this.freeConsumer();
      if (!consumer) return;
      const index = this.queue.findIndex((e) => !this.busyKeys.has(e.key));
      if (index < 0) return;
      const [envelope] = this.queue.splice(index, 1);
      this.dispatch(consumer, envelope!);
    }
  }

  private freeConsumer(): Consumer | undefined {
    for (let i = 0; i < this.consumers.length; i++) {
      const c = this.consumers[(this.next + i) % this.consumers.length]!;
      if (c.active < c.concurrency) {
        this.next = (this.next + i + 1) % this.consumers.length;
        return c;
      }
    }
    return undefined;
  }

  private dispatch(consumer: Consumer, envelope: Envelope): void {
    consumer.active++;
    consumer.inflight.add(envelope);
    this.busyKeys.add(envelope.key);
    const settle = (delayMs: number | null, countAttempt: boolean) => {
      // A stopped consumer's deliveries were already handed back by stop().
      if (consumer.stopped) return;
      consumer.active--;
      consumer.inflight.delete(envelope);
      this.busyKeys.delete(envelope.key);
      if (delayMs !== null) {
        const again = { ...envelope, attempt: envelope.attempt + (countAttempt ? 1 : 0) };
        setTimeout(() => this.push(again), delayMs).unref();
      }
      this.pump();
    };
    consumer.deliver(envelope).then(
      (outcome) => settle(outcome.kind === 'ack' ? null : outcome.delayMs, outcome.kind === 'retry' && outcome.countAttempt),
      // The bus layer turns handler errors into outcomes; an error here is infrastructure (e.g. the DLQ write), so retry soon.
      () => settle(1000, false),
    );
  }

  remove(consumer: Consumer): void {
    consumer.stopped = true;
    this.consumers.splice(this.consumers.indexOf(consumer), 1);
    for (const envelope of consumer.inflight) {
      this.busyKeys.delete(envelope.key);
      this.queue.unshift({ ...envelope, attempt: envelope.attempt + 1 });
    }
    consumer.inflight.clear();
    queueMicrotask(() => this.pump());
  }
}

export function createMemoryTransport(broker: MemoryBroker = new MemoryBroker()): Transport {
  const mine = new Set<{ group: Group; consumer: Consumer }>();
  const attach = async (group: Group, deliver: Deliver, concurrency: number): Promise<Subscription> => {
    const consumer = new Consumer(concurrency, deliver);
    group.consumers.push(consumer);
    const entry = { group, consumer };
    mine.add(entry);
    queueMicrotask(() => group.pump());
    return {
      stop: async () => {
        if (!mine.delete(entry)) return;
        group.remove(consumer);
      },
    };
  };
  const jobGroup = (queue: string) => broker.group(`job:${queue}`, queue);

  return {
    kind: 'memory',
    publish: async (envelopes) => {
      for (const envelope of envelopes) {
        for (const group of broker.groups.get(envelope.topic)?.values() ?? []) group.push(structuredClone(envelope));
      }
    },
    consume: (topic, group, deliver, { concurrency }) => attach(broker.group(topic, group), deliver, concurrency),
    enqueue: async (queue, envelope) => {
      const group = jobGroup(queue);
      const delay = (envelope.notBefore ?? 0) - Date.now();
      if (delay > 0) setTimeout(() => group.push(envelope), delay).unref();
      else group.push(envelope);
    },
    work: (queue, deliver, { concurrency }) => attach(jobGroup(queue), deliver, concurrency),
    claim: async (key, ttlMs) => {
      const now = Date.now();
      for (const [k, expires] of broker.claims) if (expires <= now) broker.claims.delete(k);
      if (broker.claims.has(key)) return false;
      broker.claims.set(key, now + ttlMs);
      return true;
    },
    close: async () => {
      for (const { group, consumer } of [...mine]) group.remove(consumer);
      mine.clear();
    },
  };
}
