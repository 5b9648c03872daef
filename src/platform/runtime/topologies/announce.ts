import type { ReplicaMessage } from './messages.js';

export const HEARTBEAT_INTERVAL_MS = 1000;
export const HEARTBEAT_TTL_MS = 3500;

/**
 * The replica side of discovery on one host: a process started by a
 * supervisor (it has an IPC channel) says it is ready, then heartbeats; on
 * shutdown it says it is leaving, before it stops accepting; when the
 * channel closes (the supervisor died) it shuts down. Without a channel
 * (started by hand) it does nothing.
 */
export function announceToSupervisor(url: string, services: string[]): { leave(): void } {
  const send = process.send?.bind(process);
  if (!send || !process.connected) return { leave: () => {} };
  const post = (message: ReplicaMessage) => {
    if (process.connected) send(message);
  };
  post({ type: 'ready', url, services });
  // The supervisor gone (killed, or out of time while stopping its replicas one service after another):
  // nobody will stop this process, and it would serve on, unseen, holding its connections. It stops itself.
  // (Once leaving, it is already stopping: a second SIGTERM would cut its drain short.)
  let leaving = false;
  process.once('disconnect', () => {
    if (!leaving) process.kill(process.pid, 'SIGTERM');
  });
  const timer = setInterval(() => post({ type: 'heartbeat' }), HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return {
    leave: () => {
      leaving = true;
      clearInterval(timer);
      post({ type: 'leaving' });
    },
  };
}

/**
 * The replica side of discovery across hosts: with ANNOUNCE_URL and
 * REDIS_URL set, heartbeat each local service into the Redis registry that
 * `scalestack gateway` (without GATEWAY_UPSTREAMS) follows.
 */
export async function announceToRedis(
  redisUrl: string | undefined,
  announceUrl: string | undefined,
  services: string[],
  onError: (err: Error) => void,
  prefix?: string,
): Promise<{ leave(): Promise<void> }> {
  if (!redisUrl || !announceUrl) return { leave: async () => {} };
  const { RedisRegistry } = await import('../../discovery/redis-registry.js');
  const { startHeartbeat } = await import('../../discovery/heartbeat.js');
  const registry = new RedisRegistry(redisUrl, prefix);
  const beats = services.map((service) =>
    startHeartbeat(registry, { service, id: `${announceUrl}#${process.pid}`, url: announceUrl }, { intervalMs: HEARTBEAT_INTERVAL_MS, ttlMs: HEARTBEAT_TTL_MS, onError }),
  );
  return {
    leave: async () => {
      await Promise.all(beats.map((b) => b.stop()));
      await registry.close();
    },
  };
}
