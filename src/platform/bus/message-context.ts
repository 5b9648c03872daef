import { contextSlot } from '../context/async-context.js';
import { injectTraceContext } from '../tracing/bus-spans.js';
import { SENT_AT_HEADER } from '../metrics/bus-metrics.js';
import type { Headers } from './port.js';

/**
 * W3C trace context and the request id, carried from an HTTP request into
 * the messages it causes and from a handled message into the messages its
 * handler publishes, so one trace/request id follows the work end to end.
 */
export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';
export const REQUEST_ID = 'x-request-id';
const CARRIED = [TRACEPARENT, TRACESTATE, REQUEST_ID] as const;

// A slot of the process's one AsyncLocalStorage (context/async-context.ts says why).
const storage = contextSlot<Headers>();

/** Runs `fn` with these headers as the context later publishes inherit. */
export function runWithMessageContext<T>(headers: Headers, fn: () => T): T {
  const carried: Headers = {};
  for (const name of CARRIED) if (headers[name] !== undefined) carried[name] = headers[name];
  return storage.run(carried, fn);
}

/**
 * The explicit headers, plus the current context's trace/request ids where
 * not already set, and the time it was sent. With tracing on, the active span (the HTTP request's, or
 * the consumer's while handling a message) names the trace parent.
 */
export function withContextHeaders(headers: Headers = {}): Headers {
  // Stamped when first written (an outbox row keeps it through the relay): consumer lag is measured from it.
  return { [SENT_AT_HEADER]: String(Date.now()), ...storage.get(), ...injectTraceContext({}), ...headers };
}
