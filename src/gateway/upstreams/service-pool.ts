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

  /**
   * A replica for one request. With none available, the ones out of rotation only because their
   * checks failed still get it (panic routing, as Envoy does below its panic threshold): a /readyz
   * that timed out twice on a busy machine took the only replica out, and every request became a
   * 503 until the next good check, while the replica was answering. A draining replica or an open
   * breaker still keeps requests away; a dead replica refuses the connection, and that is the 503.
   */
  pick(context: PickContext, exclude?: ReadonlySet<Upstream>): Upstream | undefined {
    const candidates = this.all().filter((u) => u.available && !exclude?.has(u));
    if (candidates.length > 0) return this.balancer.pick(candidates, context);
    return this.balancer.pick(this.all().filter((u) => u.panicRoutable && !exclude?.has(u)), context);
  }

  /**
   * A request to `upstream` timed out: a frozen or stalled replica (a long GC pause, a stopped process) keeps
   * its connections open, so neither a refused connection nor its breaker (which counts failures as they end,
   * each after the full timeout) takes it out quickly, and the active checks need two intervals. It leaves
   * rotation at once, and a good /readyz brings it back. Never the last available replica: with none
   * left, every request would be a 503 instead of a chance.
   */
  timedOut(upstream: Upstream): boolean {
    if (!upstream.available || !this.all().some((u) => u !== upstream && u.available)) return false;
    upstream.eject();
    this.logger.warn({ service: this.service, upstream: upstream.url }, 'gateway: replica ejected (a request to it timed out)');
    return true;
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
