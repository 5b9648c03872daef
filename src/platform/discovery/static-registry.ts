import type { Instance, ServiceRegistry } from './registry.js';

/** Fixed replicas from config (`social=http://a:1,http://b:2;identity=...`): no heartbeats, nothing expires. */
export class StaticRegistry implements ServiceRegistry {
  readonly kind = 'static';

  constructor(private readonly services: Map<string, string[]>) {}

  async heartbeat(): Promise<void> {}
  async deregister(): Promise<void> {}

  async list(service: string): Promise<Instance[]> {
    return (this.services.get(service) ?? []).map((url) => ({ service, id: url, url }));
  }

  async close(): Promise<void> {}
}
