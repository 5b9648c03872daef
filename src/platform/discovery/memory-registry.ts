import type { Instance, ServiceRegistry } from './registry.js';

/** In this process: one host, the supervisor holds it and its children heartbeat over IPC. */
export class MemoryRegistry implements ServiceRegistry {
  readonly kind = 'memory';
  private readonly entries = new Map<string, { instance: Instance; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async heartbeat(instance: Instance, ttlMs: number): Promise<void> {
    this.entries.set(`${instance.service}\u0000${instance.id}`, { instance, expiresAt: this.now() + ttlMs });
  }

  async deregister(instance: Instance): Promise<void> {
    this.entries.delete(`${instance.service}\u0000${instance.id}`);
  }

  async list(service: string): Promise<Instance[]> {
    const now = this.now();
    const live: Instance[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
      else if (entry.instance.service === service) live.push(entry.instance);
    }
    return live.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async close(): Promise<void> {}
}
