import type { Instance, ServiceRegistry } from './registry.js';

export interface HeartbeatOptions {
  intervalMs: number;
  /** How long an entry outlives its last heartbeat; a few intervals, so one lost beat is not a death. */
  ttlMs: number;
  onError?: (err: Error) => void;
}

/** Announces `instance` now and every interval; `stop()` deregisters it (a clean exit vanishes at once). */
export function startHeartbeat(registry: ServiceRegistry, instance: Instance, options: HeartbeatOptions): { stop(): Promise<void> } {
  const beat = () => registry.heartbeat(instance, options.ttlMs).catch((err: Error) => options.onError?.(err));
  void beat();
  const timer = setInterval(beat, options.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await registry.deregister(instance).catch((err: Error) => options.onError?.(err));
    },
  };
}
