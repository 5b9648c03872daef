import type { ServerResponse } from 'node:http';
import type { LiveSink } from './live-hub.js';

/**
 * Server-Sent Events on a raw response: `id:` is the notification id (what
 * the browser sends back as Last-Event-ID), a comment line every
 * heartbeat keeps proxies from closing an idle stream, and a drop is an
 * `event: dropped` with the reason, then the end of the stream.
 */
export function sseSink(res: ServerResponse, heartbeatMs: number): LiveSink & { stop(): void } {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // nginx and similar proxies would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  // Tells EventSource how long to wait before reconnecting, then opens the stream for proxies that wait for a first byte.
  res.write('retry: 1000\n: connected\n\n');
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
  heartbeat.unref();
  const stop = () => clearInterval(heartbeat);
  return {
    transport: 'sse',
    buffered: () => res.writableLength,
    send: (id, json) => void res.write(`id: ${id}\nevent: notification\ndata: ${json}\n\n`),
    drop: (reason) => {
      stop();
      if (res.writableEnded) return;
      res.end(`event: dropped\ndata: ${JSON.stringify({ reason })}\n\n`);
      // A client too slow to take the last bytes does not hold the socket.
      setTimeout(() => res.destroy(), 1000).unref();
    },
    stop,
  };
}
