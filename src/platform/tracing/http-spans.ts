import { context, propagation, SpanKind, SpanStatusCode, trace, isSpanContextValid, TraceFlags, type Context, type Span, type SpanContext } from '@opentelemetry/api';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-node';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { recordingSpans, tracer } from './tracing.js';
import { injectTraceContext } from './bus-spans.js';

/**
 * One SERVER span per HTTP request, child of the caller's `traceparent`
 * when there is one, active for every later hook and the handler (so SQL
 * and outbox writes nest under it), ended when the response is sent.
 */
const spans = new WeakMap<FastifyRequest, Span>();
const ended = new WeakSet<FastifyRequest>();
const ids = new RandomIdGenerator();

/** The hooks; create-app adds them first, so the span covers auth and every later hook. */
export const httpTracingHooks = {
  // Callback style on purpose: done() called inside context.with runs the rest of the request in the span's context.
  onRequest(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const parent = propagation.extract(context.active(), request.headers);
    const span = recordingSpans() ? serverSpan(request, parent) : idsOnly(parent);
    spans.set(request, span);
    context.with(trace.setSpan(parent, span), done);
  },
  onResponse(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    endSpan(request, reply.statusCode);
    done();
  },
  onRequestAbort(request: FastifyRequest, done: HookHandlerDoneFunction): void {
    endSpan(request, 499);
    done();
  },
};

function serverSpan(request: FastifyRequest, parent: Context): Span {
  const route = request.routeOptions.url;
  return tracer().startSpan(
    route ? `${request.method} ${route}` : request.method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': request.method,
        'url.path': request.url.split('?')[0] ?? request.url,
        ...(route ? { 'http.route': route } : {}),
        'scalestack.request_id': String(request.id),
      },
    },
    parent,
  );
}

/**
 * With no exporter a recorded span would be dropped unread: the request gets
 * only its ids (the caller's trace, a new span id), for its log line and the
 * `traceparent` of what it calls. A recorded span cost ~4% of a cached read.
 */
function idsOnly(parent: Context): Span {
  const caller = trace.getSpanContext(parent);
  const valid = caller !== undefined && isSpanContextValid(caller);
  return trace.wrapSpanContext(new LazyIds(valid ? caller.traceId : undefined, valid ? caller.traceFlags : TraceFlags.SAMPLED));
}

/**
 * A span context whose new ids are drawn when first read: most requests never
 * read them (no info log line under load, nothing called downstream), and
 * drawing two random hex ids was the tracing hook's largest cost. Once read, they stay.
 */
class LazyIds implements SpanContext {
  #traceId: string | undefined;
  #spanId: string | undefined;

  constructor(
    callerTraceId: string | undefined,
    readonly traceFlags: number,
  ) {
    this.#traceId = callerTraceId;
  }

  get traceId(): string {
    return (this.#traceId ??= ids.generateTraceId());
  }

  get spanId(): string {
    return (this.#spanId ??= ids.generateSpanId());
  }
}

function endSpan(request: FastifyRequest, status: number): void {
  const span = spans.get(request);
  // Kept in the map (the request's log line, written after this hook, reads its ids); ended once.
  if (!span || ended.has(request)) return;
  ended.add(request);
  span.setAttribute('http.response.status_code', status);
  if (request.userId !== null) span.setAttribute('enduser.id', String(request.userId));
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** The request's trace and span ids for its log line; undefined when tracing is off. */
export function traceIdsOf(request: FastifyRequest): { traceId: string; spanId: string } | undefined {
  const ctx = spans.get(request)?.spanContext();
  return ctx && isSpanContextValid(ctx) ? { traceId: ctx.traceId, spanId: ctx.spanId } : undefined;
}

/**
 * The active span as a W3C `traceparent`, for an outgoing HTTP call made by
 * hand (the gateway's hop inward, a service's HTTP client): the callee's
 * SERVER span then hangs under this one. Undefined when tracing is off.
 */
export function activeTraceparent(): string | undefined {
  return injectTraceContext({})['traceparent'];
}
