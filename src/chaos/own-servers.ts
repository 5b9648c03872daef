import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../platform/runtime/free-port.js';

/** A dependency the chaos tool runs itself on a free port (never the shared servers): it may be killed and restarted. */
export interface OwnServer {
  name: string;
  port: number;
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it and removes its files. */
  dispose(): Promise<void>;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function ownServer(name: string, scheme: string, command: (port: number, dir: string) => [string, string[]]): Promise<OwnServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `scalestack-chaos-${name}-`));
  let child: ChildProcess | null = null;
  const server: OwnServer = {
    name,
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    async start() {
      const [cmd, args] = command(port, dir);
      child = spawn(cmd, args, { stdio: 'ignore' });
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        if (await listening(port)) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`${name} did not listen on ${port}`);
    },
    async stop() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    },
    async dispose() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** redis-server without persistence (a restart loses its data, like the shared one's config). */
export const ownRedis = () =>
  ownServer('redis', 'redis', (port) => ['redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']]);

/** nats-server with JetStream on a file store kept across restarts (a broker restart, not a broker loss). */
export const ownNats = () =>
  ownServer('nats', 'nats', (port, dir) => ['nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir]]);
