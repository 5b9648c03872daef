import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort, sleep } from './cli-process.js';
import { skipUnlessAvailable } from './services-required.js';

/**
 * A private redis-server on a spare port, for tests that stop Redis on
 * purpose (never the shared one other suites use). `stop()` kills it;
 * `start()` brings it back on the same port.
 */
export interface OwnRedis {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** node:test options: `{ skip }` when redis-server is not installed (a failure under CI/REQUIRE_SERVICES). */
export function ownRedisOptions(): { skip?: string } {
  const found = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  return skipUnlessAvailable(found ? null : 'redis-server is not installed (apt-get install redis-server)');
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const up = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (await listening(port)) return;
      await sleep(20);
    }
    throw new Error(`redis-server did not listen on ${port}`);
  };
  await up();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start: up,
    stop: async () => {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
