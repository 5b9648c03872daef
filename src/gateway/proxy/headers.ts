import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop and proxy-only fields (RFC 9110 §7.6.1): they describe one
 * connection or one proxy, never the exchange, so they stop here in both
 * directions, with every field the peer's Connection names. Expect is the
 * gateway's business with its client (node answers 100-continue itself);
 * forwarded, undici refuses to send the request at all.
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'http2-settings'];
/** What the gateway sets itself on the way in (and never takes from a client). */
const REPLACED = ['host', 'content-length', 'authorization', 'x-user-id', 'x-user-sig', 'x-content-sha256', 'x-internal-sig', 'x-request-id', 'traceparent', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'];
const DROPPED_REQUEST = new Set([...HOP_BY_HOP, ...REPLACED]);
const DROPPED_RESPONSE = new Set(HOP_BY_HOP);

/** Whether a field must not cross the gateway: hop-by-hop, Proxy-*, or named by this hop's Connection. */
function isHopByHop(name: string, dropped: ReadonlySet<string>, named: ReadonlySet<string>): boolean {
  return dropped.has(name) || name.startsWith('proxy-') || named.has(name);
}

/** The field names a Connection header lists (they are hop-by-hop for this connection). */
function connectionNamed(value: string | string[] | undefined): Set<string> {
  const list = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(list.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));
}

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
  const named = connectionNamed(incoming.connection);
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || isHopByHop(name, DROPPED_REQUEST, named)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // The client as the gateway established it (its peer, or what a trusted proxy in front said): never a chain a client wrote.
  out['x-forwarded-for'] = facts.clientIp;
  if (facts.host) out['x-forwarded-host'] = facts.host;
  out['x-forwarded-proto'] = 'http';
  out['x-request-id'] = facts.requestId;
  out['traceparent'] = facts.traceparent;
  return { ...out, ...facts.identity };
}

export function downstreamHeaders(incoming: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const named = connectionNamed(incoming['connection']);
  for (const [name, value] of Object.entries(incoming)) {
    // CORS is the edge's answer (the gateway's CORS_ORIGINS, set before the handler), never a replica's.
    if (value !== undefined && !isHopByHop(name, DROPPED_RESPONSE, named) && !name.startsWith('access-control-')) out[name] = value;
  }
  return out;
}
