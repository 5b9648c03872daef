import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Connection-level headers (RFC 9110 §7.6.1) and what the gateway replaces: never forwarded. */
const DROPPED_REQUEST = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'content-length', 'authorization', 'x-user-id', 'x-user-sig',
  'x-internal-sig', 'x-request-id', 'traceparent', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto',
]);
const DROPPED_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade', 'proxy-connection']);

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * W3C traceparent for the hop inward: the caller's trace id (a new one when
 * absent or malformed) with a new span id for the gateway's span.
 */
export function nextTraceparent(incoming: string | undefined): string {
  const match = incoming ? TRACEPARENT.exec(incoming) : null;
  const traceId = match && match[1] !== '0'.repeat(32) ? match[1]! : randomBytes(16).toString('hex');
  const flags = match?.[3] ?? '01';
  return `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}`;
}

export interface ForwardFacts {
  requestId: string;
  clientIp: string;
  host: string | undefined;
  traceparent: string;
  identity: Record<string, string>;
}

export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, facts: ForwardFacts): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || DROPPED_REQUEST.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const prior = incoming['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${facts.clientIp}` : facts.clientIp;
  if (facts.host) out['x-forwarded-host'] = facts.host;
  out['x-forwarded-proto'] = 'http';
  out['x-request-id'] = facts.requestId;
  out['traceparent'] = facts.traceparent;
  return { ...out, ...facts.identity };
}

export function downstreamHeaders(incoming: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    // CORS is the edge's answer (the gateway's CORS_ORIGINS, set before the handler), never a replica's.
    if (value !== undefined && !DROPPED_RESPONSE.has(name) && !name.startsWith('access-control-')) out[name] = value;
  }
  return out;
}
