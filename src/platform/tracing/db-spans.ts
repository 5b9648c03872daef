import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { LogEvent } from 'kysely';
import { recordingSpans, tracer } from './tracing.js';

/**
 * A CLIENT span for one SQL statement, made after the fact from Kysely's log
 * event (start = now - duration): Kysely calls its log hook in the async
 * context of the query, so the span nests under the request or message
 * being handled. The text has $n placeholders, never the bound values.
 * No span is made without an exporter (nothing would read it), nor for
 * statements outside any traced work (the outbox relay's polling, counter
 * flushes): each would be a trace of its own, every 250 ms.
 */
export function recordStatementSpan(event: LogEvent, system: 'pglite' | 'postgres'): void {
  if (!recordingSpans() || !trace.getSpan(context.active())) return;
  const end = performance.timeOrigin + performance.now();
  const text = event.query.sql;
  const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
  const span = tracer().startSpan(`db ${operation}`, {
    kind: SpanKind.CLIENT,
    startTime: end - event.queryDurationMillis,
    attributes: {
      'db.system.name': 'postgresql',
      'db.operation.name': operation,
      // Long statements are cut: the span is for finding the slow one, not for replaying it.
      'db.query.text': text.length > 2000 ? `${text.slice(0, 2000)}…` : text,
      'scalestack.db.driver': system,
    },
  });
  if (event.level === 'error') {
    const error = event.error instanceof Error ? event.error : new Error(String(event.error));
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  }
  span.end(end);
}
