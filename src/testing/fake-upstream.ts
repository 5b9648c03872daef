import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A stand-in replica for gateway tests: /readyz answers 200 (or `ready`),
 * every other request is recorded and answered `{ replica, path }`, after
 * `delayMs` when set, with `status` (200 unless set: a replica answering 500 or
 * 503 to everything). `kill()` drops it like a crash (sockets destroyed);
 * `revive()` listens again on the same port. With `resetAfterRead` it reads
 * and records the whole request, then resets the connection (TCP RST) without
 * answering: the request reached the replica and may have run.
 */
export class FakeUpstream {
  readonly seen: SeenRequest[] = [];
  delayMs = 0;
  status = 200;
  ready = true;
  resetAfterRead = false;
  port = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(readonly name: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5000;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.url === '/readyz') {
      res.writeHead(this.ready ? 200 : 503, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
    if (this.resetAfterRead) {
      req.socket.resetAndDestroy();
      return;
    }
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (res.destroyed) return;
    res.writeHead(this.status, { 'content-type': 'application/json' }).end(JSON.stringify({ replica: this.name, path: req.url }));
  }

  /** Crash: stop listening and cut every connection, in-flight or idle. */
  async kill(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  revive(): Promise<this> {
    return this.listen();
  }
}
