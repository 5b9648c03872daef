import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Logger } from '../log/logger.js';
import { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff.js';
import type { DeadLetterStore } from './dead-letters.js';
import { DECODE_ERROR_HEADER, newId } from './envelope.js';
import { runWithMessageContext, withContextHeaders } from './message-context.js';
import { traceDelivery } from '../tracing/bus-spans.js';
import type { BusMetrics } from '../metrics/bus-metrics.js';
import { startSchedule } from './schedule.js';
import type { Bus, ConsumeOptions, Deliver, Envelope, Handler, OutgoingEvent, Outcome, Transport } from './port.js';

export interface BusOptions {
  deadLetters: DeadLetterStore;
  logger?: Logger;
  /** Attempts before dead-lettering, unless a subscription or job says otherwise (default 5). */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  /** The jitter's source of randomness (default Math.random); tests pin it to see the backoff schedule itself. */
  random?: () => number;
  /** Lag, outcome and duration per topic and consumer (the process's /metrics). */
  metrics?: BusMetrics;
}

/**
 * The semantics every adapter shares, implemented once: payload validation,
 * retry with exponential backoff and jitter, dead-lettering after N attempts,
 * delayed jobs, trace/request-id propagation and cron ticks.
 */
export function createBus(transport: Transport, options: BusOptions): Bus {
  const maxAttemptsDefault = options.maxAttempts ?? 5;
  const backoff = options.backoff ?? defaultBackoff;
  const { deadLetters, logger } = options;

  function wrap<T>(kind: 'event' | 'job', consumer: string, handler: Handler<T>, opts: ConsumeOptions<T>): Deliver {
    const check = opts.schema ? TypeCompiler.Compile(opts.schema) : undefined;
    const dead = async (envelope: Envelope, reason: string): Promise<Outcome> => {
      logger?.warn({ consumer, messageId: envelope.id, topic: envelope.topic, attempt: envelope.attempt, reason }, 'message dead-lettered');
      await deadLetters.put(kind, consumer, envelope, reason);
      return { kind: 'ack' };
    };
    return async (envelope) => {
      if (envelope.notBefore !== undefined && envelope.notBefore > Date.now()) {
        return { kind: 'retry', delayMs: envelope.notBefore - Date.now(), countAttempt: false };
      }
      const decodeError = envelope.headers[DECODE_ERROR_HEADER];
      if (decodeError !== undefined) return dead(envelope, `malformed message: ${decodeError}`);
      if (check && !check.Check(envelope.payload)) {
        const problems = [...check.Errors(envelope.payload)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
        return dead(envelope, `schema validation failed: ${problems.join('; ')}`);
      }
      const limit = envelope.maxAttempts ?? opts.maxAttempts ?? maxAttemptsDefault;
      const finished = options.metrics?.started(kind, consumer, envelope);
      try {
        await runWithMessageContext(envelope.headers, () =>
          traceDelivery(kind, consumer, envelope, () =>
            handler({ id: envelope.id, topic: envelope.topic, key: envelope.key, payload: envelope.payload as T, headers: envelope.headers, attempt: envelope.attempt }),
          ),
        );
        finished?.('ok');
        return { kind: 'ack' };
      } catch (err) {
        const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        finished?.(envelope.attempt >= limit ? 'dead' : 'retry');
        if (envelope.attempt >= limit) return dead(envelope, `failed ${envelope.attempt} time(s); last error: ${reason}`);
        return { kind: 'retry', delayMs: backoffDelay(envelope.attempt, backoff, options.random), countAttempt: true };
      }
    };
  }

  const bus: Bus = {
    kind: transport.kind,
    publish: (events: OutgoingEvent[]) => transport.publish(events.map(toEnvelope)),
    subscribe: (topic, group, handler, opts = {}) =>
      transport.consume(topic, group, wrap('event', group, handler, opts), { concurrency: opts.concurrency ?? 1 }),
    enqueue: async (queue, payload, opts = {}) => {
      const id = opts.id ?? newId();
      await transport.enqueue(queue, {
        id, topic: queue, key: id, payload, headers: withContextHeaders(opts.headers), attempt: 1,
        ...(opts.delayMs ? { notBefore: Date.now() + opts.delayMs } : {}),
        ...(opts.attempts ? { maxAttempts: opts.attempts } : {}),
      });
      return id;
    },
    process: (queue, handler, opts = {}) =>
      transport.work(queue, wrap('job', queue, handler, opts), { concurrency: opts.concurrency ?? 1 }),
    schedule: (schedule) => startSchedule(schedule, transport, bus, logger),
    epoch: async () => (transport.epoch ? transport.epoch() : null),
    close: () => transport.close(),
  };
  return bus;
}

function toEnvelope(event: OutgoingEvent): Envelope {
  return { id: event.id ?? newId(), topic: event.topic, key: event.key, payload: event.payload, headers: withContextHeaders(event.headers), attempt: 1 };
}
