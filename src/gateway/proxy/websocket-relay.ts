import type { FastifyRequest } from 'fastify';
import WebSocket from 'ws';
import { EMPTY_BODY_DIGEST, identityHeaders } from '../../platform/auth/gateway-identity.js';
import { canonicalPath, rawQuery } from '../../platform/http/canonical-path.js';
import type { GatewayRoute } from '../route-table.js';
import type { ProxyDeps } from './proxy-handler.js';

/** Close codes a peer may not send in a close frame (reserved): replaced by 1011 when passed on. */
const UNSENDABLE = new Set([1005, 1006, 1015]);

/**
 * A WebSocket route: the client's connection is accepted here (after the
 * same authentication and rate limits as any route), a second one is opened
 * to a replica with the gateway-signed identity, and frames are relayed
 * both ways; a close on either side (code and reason) closes the other.
 * Backpressure is the replica's: it drops a slow client, and the close is
 * passed on. A replica that refuses or is unreachable closes the client's
 * socket with 1013 (try again later).
 */
export function websocketRelay(route: GatewayRoute, deps: ProxyDeps) {
  return (client: WebSocket, request: FastifyRequest) => {
    const pool = deps.pools.get(route.service);
    const upstream = pool?.pick({ clientIp: request.ip, userId: request.userId });
    if (!upstream) return void client.close(1013, `${route.service} unavailable`);
    const path = canonicalPath(request) + rawQuery(request.url);
    const headers: Record<string, string> = { 'x-forwarded-for': request.ip, 'x-request-id': request.id };
    if (request.userId !== null) Object.assign(headers, identityHeaders(deps.internalSecret, request.userId, { method: 'GET', path, bodyDigest: EMPTY_BODY_DIGEST }));
    const url = new URL(path, upstream.url);
    url.protocol = url.protocol.replace('http', 'ws');
    const server = new WebSocket(url, { headers, handshakeTimeout: route.timeoutMs ?? deps.defaultTimeoutMs });
    const held: { data: WebSocket.RawData; binary: boolean }[] = [];
    upstream.inFlight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      upstream.inFlight--;
    };

    client.on('message', (data, binary) => (server.readyState === WebSocket.OPEN ? server.send(data, { binary }) : held.push({ data, binary })));
    server.on('open', () => {
      for (const m of held.splice(0)) server.send(m.data, { binary: m.binary });
    });
    server.on('message', (data, binary) => client.send(data, { binary }));
    server.on('unexpected-response', (req, res) => {
      req.destroy();
      res.destroy();
      release();
      client.close(1013, `${route.service} refused (${res.statusCode})`);
    });
    server.on('error', () => {
      release();
      if (client.readyState === WebSocket.OPEN) client.close(1013, `${route.service} unavailable`);
    });
    server.on('close', (code, reason) => {
      release();
      if (client.readyState === WebSocket.OPEN) client.close(UNSENDABLE.has(code) ? 1011 : code, reason);
    });
    client.on('close', (code, reason) => {
      if (server.readyState === WebSocket.OPEN) server.close(UNSENDABLE.has(code) ? 1000 : code, reason);
      else server.terminate();
    });
  };
}
