import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import websocket from '@fastify/websocket';
import { requireUser } from '../../../platform/http/request-context.js';
import { closeRefusedUpgrade } from '../../../platform/http/refused-upgrade.js';
import type { NotificationsDomain } from '../domain/notifications.js';
import type { LiveHub } from '../live/live-hub.js';
import { openSession, REPLAY_LIMIT } from '../live/live-session.js';
import { sseSink } from '../live/sse-sink.js';
import { wsSink } from '../live/ws-sink.js';
import { StreamQuery } from './schemas.js';

export interface StreamSettings {
  heartbeatMs: number;
}

/**
 * Live notifications: Server-Sent Events and WebSocket, both authenticated
 * (header, or `?token=` since browsers' EventSource and WebSocket cannot
 * set one), both resuming after Last-Event-ID.
 */
export function streamRoutes(hub: LiveHub, notifications: NotificationsDomain, settings: StreamSettings): FastifyPluginAsync {
  return async (fastify) => {
    await fastify.register(websocket, { options: { maxPayload: 4096 } });
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const config = { auth: 'required', queryToken: true } as const;
    const replay = (userId: number) => (after: number) => notifications.since(userId, after, REPLAY_LIMIT);
    // Shutdown: tell every live client, so it reconnects to another replica instead of waiting on a dead socket.
    fastify.addHook('preClose', async () => hub.closeAll('server shutting down'));
    fastify.addHook('onResponse', closeRefusedUpgrade);

    app.get('/notifications/stream', { config, schema: { querystring: StreamQuery } }, async (request, reply) => {
      const userId = requireUser(request);
      const lastEventId = resumeFrom(request);
      reply.hijack();
      const sink = sseSink(reply.raw, settings.heartbeatMs);
      try {
        const detach = await openSession({ hub, userId, sink, lastEventId, replay: replay(userId) });
        reply.raw.once('close', () => {
          detach();
          sink.stop();
        });
      } catch (err) {
        request.log.warn({ err }, 'notifications: stream replay failed');
        sink.drop('replay failed');
      }
    });

    app.get('/notifications/ws', { config, websocket: true, schema: { querystring: StreamQuery } }, async (socket, request) => {
      const userId = requireUser(request);
      const sink = wsSink(socket, settings.heartbeatMs);
      try {
        const detach = await openSession({ hub, userId, sink, lastEventId: resumeFrom(request), replay: replay(userId) });
        socket.once('close', () => {
          detach();
          sink.stop();
        });
      } catch (err) {
        request.log.warn({ err }, 'notifications: websocket replay failed');
        sink.drop('replay failed');
      }
    });
  };
}

/** Last-Event-ID (header, as EventSource sends it on reconnect) or ?lastEventId=; undefined: from now on. */
function resumeFrom(request: FastifyRequest): number | undefined {
  const header = request.headers['last-event-id'];
  if (typeof header === 'string' && /^\d{1,15}$/.test(header.trim())) return Number(header.trim());
  const query = (request.query as { lastEventId?: number }).lastEventId;
  return query;
}
