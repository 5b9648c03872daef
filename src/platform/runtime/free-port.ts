import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where picked ports start: above the well-known services of a dev machine, which the bind check skips anyway. */
const LOWEST = 10_000;

/**
 * The first port of the range the kernel hands out by itself (a bind to port 0, an outgoing connection's local
 * port). Linux says in /proc; elsewhere the IANA range (macOS, the BSDs, Windows) starts at 49152.
 */
function firstEphemeralPort(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(first) && first > LOWEST + 1_000) return first;
  } catch {
    // not Linux
  }
  return process.platform === 'linux' ? 32_768 : 49_152;
}

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A port that was free a moment ago, for a process started next to listen on (PORT=0 can't be discovered from
 * outside). Picked at random below the kernel's ephemeral range, never from it: between this pick and the
 * process's listen, any process binding port 0 (a topology's replicas, the admin endpoint) or connecting out
 * could be handed the same port by the kernel, and a readiness probe then reached it instead (measured:
 * 8 binds to port 0 got a just-freed one in 3 of 3,000 tries). Only an explicit pick can take these.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const span = firstEphemeralPort() - LOWEST;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * span);
    if (await bindable(port, host)) return port;
  }
  throw new Error(`no free port found below ${LOWEST + span} on ${host} in 100 tries`);
}
