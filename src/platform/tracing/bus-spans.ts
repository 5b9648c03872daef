import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { tracer } from './tracing.js';

/**
 * Trace context across the bus, in W3C `traceparent`/`tracestate` message
 * headers: a request that writes to the outbox stamps its span on the row;
 * the relay's PRODUCER span (child of it) is what the broker carries; the
 * consumer's CONSUMER span is a child of that. One trace: request → SQL →
 * outbox publish → consumer → whatever the consumer publishes next.
 */
type Headers = Record<string, string>;

/** `headers` plus the active span's trace context (when tracing is on and a span is active). */
export function injectTraceContext(headers: Headers, ctx: Context = context.active()): Headers {
  const carrier: Headers = {};
  propagation.inject(ctx, carrier);
  return { ...headers, ...carrier };
}

/** The context a message names; a message without one starts a new trace rather than joining whatever is active. */
function extracted(headers: Headers): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

export interface PublishBatch<T> {
  /** The rows with each one's headers now naming its publish span. */
  rows: T[];
  /** After the broker confirmed (or refused) the batch. */
  end(error?: unknown): void;
}

/** One PRODUCER span per outbox row the relay sends, child of the span that wrote the row. */
export function tracePublish<T extends { topic: string; headers: Headers; kind?: 'event' | 'job' }>(rows: T[]): PublishBatch<T> {
  const spans: Span[] = [];
  const traced = rows.map((row) => {
    const parent = extracted(row.headers);
    const span = tracer().startSpan(
      `${row.kind === 'job' ? 'enqueue' : 'publish'} ${row.topic}`,
      { kind: SpanKind.PRODUCER, attributes: { 'messaging.operation.type': 'send', 'messaging.destination.name': row.topic, 'scalestack.outbox': true } },
      parent,
    );
    spans.push(span);
    return { ...row, headers: injectTraceContext(row.headers, trace.setSpan(parent, span)) };
  });
  return {
    rows: traced,
    end(error?: unknown) {
      for (const span of spans) {
        if (error !== undefined) fail(span, error);
        span.end();
      }
    },
  };
}

/** Runs a handler inside a CONSUMER span whose parent is the trace context in the message's headers. */
export async function traceDelivery<R>(
  kind: 'event' | 'job',
  consumer: string,
  message: { id: string; topic: string; headers: Headers; attempt: number },
  fn: () => Promise<R>,
): Promise<R> {
  const parent = extracted(message.headers);
  const span = tracer().startSpan(
    `${kind === 'job' ? 'process' : 'consume'} ${message.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.operation.type': 'process',
        'messaging.destination.name': message.topic,
        'messaging.consumer.group.name': consumer,
        'messaging.message.id': message.id,
        'scalestack.attempt': message.attempt,
      },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), fn);
  } catch (err) {
    fail(span, err);
    throw err;
  } finally {
    span.end();
  }
}

function fail(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
}
