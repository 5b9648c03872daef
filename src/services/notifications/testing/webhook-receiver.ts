import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  body: string;
  headers: IncomingHttpHeaders;
}

export interface Receiver {
  server: Server;
  port: number;
  /** Requests answered so far, in arrival order. */
  hits: number;
  received: ReceivedHook[];
  url(path?: string): string;
  close(): Promise<void>;
}

/** A local HTTP server standing in for a webhook endpoint: records every request; what it answers is `handle`'s. */
export async function startReceiver(host: string, port: number, handle: (hook: ReceivedHook, res: ServerResponse) => void): Promise<Receiver> {
  const received: ReceivedHook[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const hook = { body, headers: req.headers };
      received.push(hook);
      state.hits++;
      handle(hook, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const bound = (server.address() as AddressInfo).port;
  const state: Receiver = {
    server, port: bound, hits: 0, received,
    url: (path = '/hook') => `http://${host}:${bound}${path}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  return state;
}
