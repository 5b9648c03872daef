import type { WebSocket } from 'ws';
import type { LiveSink } from './live-hub.js';

/** Close code for "slow consumer" and shutdowns: 1013 (try again later), the reason in the close frame. */
const TRY_AGAIN_LATER = 1013;

/**
 * A WebSocket connection: one JSON text frame per notification
 * (`{"id":..,"notification":{..}}`), a ping every heartbeat (a peer that
 * stops answering is terminated at the next), a drop is a close frame
 * with the reason.
 */
export function wsSink(socket: WebSocket, heartbeatMs: number): LiveSink & { stop(): void } {
  let alive = true;
  socket.on('pong', () => (alive = true));
  const heartbeat = setInterval(() => {
    if (!alive) return void socket.terminate();
    alive = false;
    socket.ping();
  }, heartbeatMs);
  heartbeat.unref();
  const stop = () => clearInterval(heartbeat);
  return {
    transport: 'ws',
    buffered: () => socket.bufferedAmount,
    send: (id, json) => socket.send(`{"id":${id},"notification":${json}}`),
    drop: (reason) => {
      stop();
      socket.close(TRY_AGAIN_LATER, reason);
      setTimeout(() => socket.terminate(), 1000).unref();
    },
    stop,
  };
}
