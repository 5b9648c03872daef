import type { Logger } from '../../platform/log/logger.js';
import type { Instance } from '../../platform/discovery/registry.js';
import type { Balancer, PickContext } from '../balancers/balancer.js';
import { Upstream, type UpstreamSettings } from './upstream.js';

/**
 * The replicas of one service: follows discovery (sync), offers the
 * available ones to the balancer, and takes replicas out gently (drain:
 * no new requests, in-flight ones finish, then the pool closes).
 */
export class ServicePool {
  private readonly upstreams = new Map<string, Upstream>();

  constructor(
    readonly service: string,
    private readonly balancer: Balancer,
    private readonly settings: UpstreamSettings,
    private readonly logger: Logger,
    private readonly drainTimeoutMs = 30_000,
  ) {}

  all(): Upstream[] {
    return [...this.upstreams.values()];
  }

  pick(context: PickContext, exclude?: ReadonlySet<Upstream>): Upstream | undefined {
    const candidates = this.all().filter((u) => u.available && !exclude?.has(u));
    return this.balancer.pick(candidates, context);
  }

  /** Makes the set match discovery: new replicas join (admitted after a good check), vanished ones drain. */
  sync(instances: readonly Instance[]): Upstream[] {
    const added: Upstream[] = [];
    const seen = new Set(instances.map((i) => i.url));
    for (const instance of instances) {
      if (this.upstreams.has(instance.url)) continue;
      const upstream = new Upstream(instance.url, instance.url, this.settings);
      this.upstreams.set(instance.url, upstream);
      added.push(upstream);
      this.logger.info({ service: this.service, upstream: instance.url }, 'gateway: replica appeared');
    }
    for (const upstream of this.all()) {
      if (!seen.has(upstream.url)) void this.remove(upstream.url, 'vanished from discovery');
    }
    return added;
  }

  /** Stops sending new requests to a replica and waits for its in-flight ones (a rolling restart's first step). */
  async drain(url: string): Promise<boolean> {
    const upstream = this.upstreams.get(url);
    if (!upstream) return true;
    upstream.draining = true;
    return upstream.idle(this.drainTimeoutMs);
  }

  async remove(url: string, reason: string): Promise<void> {
    const upstream = this.upstreams.get(url);
    if (!upstream) return;
    this.upstreams.delete(url);
    this.logger.info({ service: this.service, upstream: url, reason }, 'gateway: replica removed');
    upstream.draining = true;
    await upstream.idle(this.drainTimeoutMs);
    await upstream.close().catch(() => {});
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((u) => u.close().catch(() => {})));
    this.upstreams.clear();
  }
}
