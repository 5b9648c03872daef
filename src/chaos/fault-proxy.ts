import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type Fault = { kind: 'none' } | { kind: 'latency'; ms: number } | { kind: 'reset' } | { kind: 'refuse' };

/**
 * A TCP proxy on a free loopback port in front of a dependency (Redis, a broker, Postgres), with a
 * fault that can be changed while it runs: added latency on every chunk each way, connection resets
 * (open connections destroyed, new ones reset at once), or refusal. `none` passes bytes through.
 */
export class FaultProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private fault: Fault = { kind: 'none' };
  port = 0;

  constructor(private readonly upstream: { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  set(fault: Fault): void {
    this.fault = fault;
    // A reset or a refusal applies to the connections already open too: that is what a dependency's crash looks like.
    // A refusal closes them rather than resetting: on Node 20, resetAndDestroy() of an established accepted socket
    // left its handle open after the proxy closed, so a process that used the console's cut never exited (its
    // test file hung until the runner's timeout). The reset fault keeps the RST (the chaos experiments'
    // processes are killed, not drained).
    if (fault.kind === 'reset') for (const s of this.sockets) s.resetAndDestroy();
    if (fault.kind === 'refuse') for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    if (this.fault.kind === 'reset' || this.fault.kind === 'refuse') return void client.resetAndDestroy();
    const server = connect(this.upstream.port, this.upstream.host);
    for (const s of [client, server]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {});
    }
    const pipe = (from: Socket, to: Socket) => {
      from.on('data', (chunk) => {
        const fault = this.fault;
        if (fault.kind === 'latency') setTimeout(() => to.writable && to.write(chunk), fault.ms);
        else if (to.writable) to.write(chunk);
      });
      from.on('close', () => to.destroy());
    };
    pipe(client, server);
    pipe(server, client);
  }
}
