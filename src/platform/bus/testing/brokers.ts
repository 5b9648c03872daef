import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';

/**
 * Restarts the real brokers on this machine for the fault tests, with the
 * exact commands the machine's setup uses, and brings them back whatever
 * happens (call ensureUp in a finally block).
 */
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export type BrokerKind = 'amqp' | 'nats' | 'redis';

const REDIS_START = ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'];
const NATS_START = ['--start', '--oknodo', '--background', '--exec', '/usr/sbin/nats-server', '--', '-a', '127.0.0.1', '-p', '4222', '-js', '-sd', '/var/lib/nats-server', '-l', '/var/log/nats-server.log'];

async function isUp(kind: BrokerKind): Promise<boolean> {
  try {
    if (kind === 'redis') return (await run('redis-cli', ['ping'])).stdout.trim() === 'PONG';
    if (kind === 'nats') return (await natsPid()) !== null;
    return await acceptsAmqp();
  } catch {
    return false;
  }
}

/** stop_app leaves the Erlang node running, so only the AMQP listener tells whether RabbitMQ is serving. */
function acceptsAmqp(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 5672, timeout: 1000 }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function natsPid(): Promise<number | null> {
  try {
    const pid = Number((await run('pidof', ['nats-server'])).stdout.trim().split(/\s+/)[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

async function start(kind: BrokerKind): Promise<void> {
  if (kind === 'redis') await run('redis-server', REDIS_START);
  else if (kind === 'nats') await run('start-stop-daemon', NATS_START);
  else await run('rabbitmqctl', ['start_app']);
}

async function stop(kind: BrokerKind): Promise<void> {
  if (kind === 'redis') await run('redis-cli', ['shutdown', 'nosave']).catch(() => {});
  else if (kind === 'nats') {
    const pid = await natsPid();
    if (pid) process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && (await natsPid()) !== null; i++) await sleep(100);
  } else await run('rabbitmqctl', ['stop_app']);
}

export async function restartBroker(kind: BrokerKind, downMs = 1000): Promise<void> {
  await stop(kind);
  await sleep(downMs);
  await ensureUp(kind);
}

export async function ensureUp(kind: BrokerKind): Promise<void> {
  if (await isUp(kind)) return;
  await start(kind).catch(() => {});
  for (let i = 0; i < 300 && !(await isUp(kind)); i++) await sleep(100);
}
