import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * onResponse hook for WebSocket routes: a refused upgrade (401, 429...) is
 * answered on the raw socket, which the HTTP server no longer tracks; left
 * open it would outlive the answer and hold up the server's close. End it.
 */
export async function closeRefusedUpgrade(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.headers.upgrade !== undefined && reply.statusCode >= 400) request.raw.socket?.destroy();
}
