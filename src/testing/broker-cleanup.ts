import amqp from 'amqplib';
import { connect } from '@nats-io/transport-node';
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import { rabbitQueueNames } from '../platform/bus/adapters/rabbitmq.js';
import { natsNames } from '../platform/bus/adapters/nats.js';
import { namespacedName } from '../platform/bus/namespaced-transport.js';
import { busKeys } from '../platform/bus/adapters/redis-streams.js';
import { dropRedisKeys } from './redis-keys.js';
import type { Bus } from '../platform/bus/port.js';
import type { ServiceModule } from '../platform/runtime/service-module.js';

/**
 * The topics, groups and job queues a suite's bus used. RabbitMQ queues and NATS consumers are durable
 * and named after them, and suites make their names unique, so each run left its own on the shared
 * brokers (a CI run, ~60 queues): a suite records them here and drops them in its teardown (dropBusNames).
 */
export class BusNames {
  /** Each topic published or subscribed to, with the groups that subscribed. */
  readonly topics = new Map<string, Set<string>>();
  readonly queues = new Set<string>();
  private readonly recorded = new WeakSet<Bus>();

  /** BUS_NAMESPACE, when the bus ran under one: the bus sees plain names, the broker prefixed ones. */
  constructor(readonly namespace?: string) {}

  topic(topic: string, group?: string): this {
    const groups = this.topics.get(topic) ?? new Set<string>();
    if (group !== undefined) groups.add(group);
    this.topics.set(topic, groups);
    return this;
  }

  /**
   * Records every name `bus` is used with from now on. Patched in place, not wrapped: a system's services,
   * its outbox relay, its cron jobs and the suite itself share one bus object.
   */
  record<B extends Bus>(bus: B): B {
    if (this.recorded.has(bus)) return bus;
    this.recorded.add(bus);
    const plain = { publish: bus.publish.bind(bus), subscribe: bus.subscribe.bind(bus), enqueue: bus.enqueue.bind(bus), process: bus.process.bind(bus) };
    bus.publish = (events) => {
      for (const e of events) this.topic(e.topic);
      return plain.publish(events);
    };
    bus.subscribe = (topic, group, handler, options) => {
      this.topic(topic, group);
      return plain.subscribe(topic, group, handler, options);
    };
    bus.enqueue = (queue, payload, options) => {
      this.queues.add(queue);
      return plain.enqueue(queue, payload, options);
    };
    bus.process = (queue, handler, options) => {
      this.queues.add(queue);
      return plain.process(queue, handler, options);
    };
    return bus;
  }

  /** `services` as startTestSystem takes them, each recording the system's bus as it is built. */
  recording(services: ServiceModule[]): ServiceModule[] {
    return services.map((module) => ({ ...module, create: (context) => module.create({ ...context, bus: this.record(context.bus) }) }));
  }
}

/**
 * Deletes what `names` declared on the broker at `url`: RabbitMQ queues (with their messages), NATS
 * consumers and the topics' and queues' messages, or Redis streams, retry streams and job queues (under
 * `redisPrefix`, the bus's REDIS_PREFIX). Not what is shared by every bus on the broker (the events
 * exchange, delay queues, streams, Redis' delayed set) or expires by itself (claims).
 */
export async function dropBusNames(url: string, names: BusNames, redisPrefix = 'scalestack'): Promise<void> {
  const name = (plain: string) => (names.namespace ? namespacedName(names.namespace, plain) : plain);
  const topics = [...names.topics].map(([topic, groups]) => ({ topic: name(topic), groups: [...groups].map(name) }));
  const queues = [...names.queues].map(name);
  const { protocol, hostname, port } = new URL(url);
  if (protocol === 'amqp:' || protocol === 'amqps:') {
    const connection = await amqp.connect(url);
    try {
      const ch = await connection.createChannel();
      for (const { topic, groups } of topics) for (const group of groups) await ch.deleteQueue(rabbitQueueNames.event(topic, group));
      for (const queue of queues) await ch.deleteQueue(rabbitQueueNames.job(queue));
    } finally {
      await connection.close();
    }
  } else if (protocol === 'redis:' || protocol === 'rediss:') {
    const keys = busKeys(redisPrefix);
    for (const { topic } of topics) {
      await dropRedisKeys(url, keys.events(topic));
      await dropRedisKeys(url, keys.retries('*', topic));
    }
    // BullMQ keeps a job queue's state under `<jobs prefix>:<queue>:*`.
    for (const queue of queues) await dropRedisKeys(url, `${keys.jobs}:${queue}:*`);
  } else if (protocol === 'nats:') {
    const nc = await connect({ servers: `${hostname}:${port || 4222}` });
    // A name may have no consumer (a topic only published, a queue only enqueued to) or no stream yet.
    const absent = (err: unknown) => {
      const codes: number[] = [JetStreamApiCodes.ConsumerNotFound, JetStreamApiCodes.StreamNotFound];
      if (!(err instanceof JetStreamApiError && codes.includes(err.code))) throw err;
    };
    try {
      const jsm = await jetstreamManager(nc);
      for (const { topic, groups } of topics) {
        for (const group of groups) await jsm.consumers.delete(natsNames.events, natsNames.eventConsumer(topic, group)).catch(absent);
        await jsm.streams.purge(natsNames.events, { filter: natsNames.eventSubject(topic) }).catch(absent);
      }
      for (const queue of queues) {
        await jsm.consumers.delete(natsNames.jobs, natsNames.jobConsumer(queue)).catch(absent);
        await jsm.streams.purge(natsNames.jobs, { filter: natsNames.jobSubject(queue) }).catch(absent);
      }
    } finally {
      await nc.close();
    }
  }
}
