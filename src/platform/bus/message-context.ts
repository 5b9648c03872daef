import { AsyncLocalStorage } from 'node:async_hooks';
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

const storage = new AsyncLocalStorage<Headers>();

/** Runs `fn` with these headers as the context later publishes inherit. */
export function runWithMessageContext<T>(headers: Headers, fn: () => T): T {
  const carried: Headers = {};
  for (const name of CARRIED) if (headers[name] !== undefined) carried[name] = headers[name];
  return storage.run(carried, fn);
}

/** The explicit headers, plus the current context's trace/request ids where not already set. */
export function withContextHeaders(headers: Headers = {}): Headers {
  const current = storage.getStore();
  return current ? { ...current, ...headers } : { ...headers };
}
