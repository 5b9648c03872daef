import type { FastifyReply, FastifyRequest } from 'fastify';
import { bodyDigest, identityHeaders } from '../../platform/auth/gateway-identity.js';
import { errors } from '../../platform/errors/catalog.js';
import type { RetryBudget } from '../../platform/resilience/retry-budget.js';
import type { ServicePool } from '../upstreams/service-pool.js';
import type { Upstream } from '../upstreams/upstream.js';
import type { GatewayRoute } from '../route-table.js';
import { downstreamHeaders, nextTraceparent, upstreamRequestHeaders } from './headers.js';
import { activeTraceparent } from '../../platform/tracing/http-spans.js';
import { forward, type Outgoing } from './forward.js';
import { classify, retryable, type UpstreamStatusError } from './upstream-error.js';
import { canonicalPath, rawQuery } from '../../platform/http/canonical-path.js';

const BUFFER_LIMIT = 256 * 1024;

export interface ProxyDeps {
  pools: Map<string, ServicePool>;
  budget: RetryBudget;
  internalSecret: string;
  defaultTimeoutMs: number;
  /** Attempts in all, first included. */
  maxAttempts: number;
}

/**
 * The handler of every routed request: choose a replica, forward, and on a
 * failure that allows it try another replica (never the same one twice),
 * within the retry budget. The answer streams back as it comes.
 */
export function proxyHandler(route: GatewayRoute, deps: ProxyDeps) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const pool = deps.pools.get(route.service);
    if (!pool) throw errors.upstreamUnavailable(route.service);
    const out: Outgoing = {
      method: route.method,
      // The route the gateway matched, spelled canonically: the replica routes exactly what was limited and authorized here.
      path: canonicalPath(request) + rawQuery(request.url),
      headers: upstreamRequestHeaders(request.headers, {
        requestId: request.id,
        clientIp: request.ip,
        host: request.headers.host,
        // With tracing on, the service's span is a child of this request's gateway span; otherwise a fresh hop id.
        traceparent: activeTraceparent() ?? nextTraceparent(header(request.headers.traceparent)),
        identity: {},
      }),
      body: Buffer.isBuffer(request.body) ? request.body : undefined,
      timeoutMs: route.timeoutMs ?? deps.defaultTimeoutMs,
      streaming: route.live === 'sse',
    };
    if (out.body) {
      out.headers['content-type'] ??= 'application/json';
      out.headers['content-length'] = String(out.body.length);
    }

    const tried = new Set<Upstream>();
    const context = { clientIp: request.ip, userId: request.userId };
    deps.budget.deposit();
    let lastError: unknown;
    for (let attempt = 0; attempt < deps.maxAttempts; attempt++) {
      if (attempt > 0 && !deps.budget.tryWithdraw()) break;
      const upstream = pool.pick(context, tried);
      if (!upstream) break;
      tried.add(upstream);
      try {
        // Signed per attempt (the window is short), bound to this method, path and body.
        const res = await forward(upstream, signed(out, request.userId, deps.internalSecret));
        void reply.code(res.statusCode).headers(downstreamHeaders(res.headers));
        if (attempt > 0) void reply.header('x-gateway-attempts', String(attempt + 1));
        // Small answers (every Conduit response) are read whole and sent in one write: measurably cheaper than piping a stream.
        const length = Number(res.headers['content-length']);
        if (length <= BUFFER_LIMIT) return reply.send(Buffer.from(await res.body.arrayBuffer()));
        return reply.send(res.body);
      } catch (err) {
        lastError = err;
        if (classify(err) === 'timeout') pool.timedOut(upstream);
        request.log.warn({ upstream: upstream.url, attempt, failure: classify(err), err: (err as Error).message }, 'gateway: upstream attempt failed');
        if (!retryable(route.method, err)) break;
      }
    }
    if (lastError !== undefined && classify(lastError) === 'unsendable') throw errors.badRequest('is malformed');
    void reply.header('retry-after', '1');
    if (lastError === undefined) throw errors.upstreamUnavailable(route.service, 503);
    throw finalError(route.service, lastError);
  };
}

/**
 * What the client gets when no attempt succeeded, from the last one's failure. A replica's own 503 (overloaded,
 * draining) or 504 (its dependency timed out) is passed on as such, with the Retry-After set above: they were
 * answered 502, which tells a client the gateway is broken when the system is only overloaded.
 */
function finalError(service: string, err: unknown) {
  const kind = classify(err);
  if (kind === 'timeout') return errors.timeout(service);
  if (kind === 'status' && (err as UpstreamStatusError).status === 504) return errors.timeout(service);
  if (kind === 'status' && (err as UpstreamStatusError).status === 503) return errors.upstreamUnavailable(service, 503);
  return errors.upstreamUnavailable(service, kind === 'breaker' || kind === 'refused' ? 503 : 502);
}

function signed(out: Outgoing, userId: number | null, secret: string): Outgoing {
  if (userId === null) return out;
  // A multipart upload is read by the service's handler as a stream, after the hooks that check a body's
  // digest, so its bytes are not bound to the signature (user, method, path and time still are): the empty digest.
  const streamed = /^multipart\//i.test(out.headers['content-type'] ?? '');
  const identity = identityHeaders(secret, userId, { method: out.method, path: out.path, bodyDigest: bodyDigest(streamed ? undefined : out.body) });
  return { ...out, headers: { ...out.headers, ...identity } };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
