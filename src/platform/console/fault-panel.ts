import { FaultProxy, type Fault } from '../../chaos/fault-proxy.js';
import type { Config } from '../config/schema.js';

/** What the faults panel can do to one dependency: nothing, cut it off (open connections closed, new ones reset), or delay every chunk each way. */
export type PanelFault = { kind: 'none' } | { kind: 'cut' } | { kind: 'latency'; ms: number };

export interface FaultTargetView {
  name: string;
  /** The dependency's real address (host:port), not its credentials. */
  upstream: string;
  fault: PanelFault;
}

interface Target {
  name: string;
  upstream: string;
  proxy: FaultProxy;
  fault: PanelFault;
}

const DEFAULT_PORTS: Record<string, number> = { 'redis:': 6379, 'amqp:': 5672, 'nats:': 4222, 'postgres:': 5432, 'postgresql:': 5432 };

/**
 * CONSOLE_FAULTS: before anything connects, each dependency the topology reaches over plain TCP
 * (Redis, the broker, every read replica; TLS URLs are left alone) gets a fault proxy of its own
 * (src/chaos/fault-proxy.ts, the chaos experiments' proxy) and the process's settings are rewritten
 * to go through it. The console then cuts one off or adds latency while the system runs.
 */
export class FaultPanel {
  private constructor(private readonly targets: Map<string, Target>) {}

  /** The settings to run with (addresses pointing at the proxies) and the panel that controls them. */
  static async start(config: Config): Promise<{ config: Config; panel: FaultPanel }> {
    const targets = new Map<string, Target>();
    const proxied = async (name: string, url: string | undefined): Promise<string | undefined> => {
      if (!url) return url;
      const parsed = new URL(url);
      // Not TLS: through a proxy on 127.0.0.1 the certificate's name would no longer match.
      if (parsed.protocol === 'rediss:' || parsed.protocol === 'amqps:') return url;
      const port = Number(parsed.port) || DEFAULT_PORTS[parsed.protocol];
      if (!port) return url;
      const proxy = new FaultProxy({ host: parsed.hostname, port });
      await proxy.start();
      targets.set(name, { name, upstream: `${parsed.hostname}:${port}`, proxy, fault: { kind: 'none' } });
      parsed.hostname = '127.0.0.1';
      parsed.port = String(proxy.port);
      return parsed.toString();
    };
    const next: Config = { ...config };
    const redis = await proxied('redis', config.REDIS_URL);
    if (redis) next.REDIS_URL = redis;
    // Its own proxy even when the broker is the cache's Redis: the two can then fail apart.
    const bus = await proxied('bus', config.BUS_URL);
    if (bus) next.BUS_URL = bus;
    if (config.DATABASE_REPLICA_URLS) {
      const urls: string[] = [];
      for (const [i, url] of config.DATABASE_REPLICA_URLS.split(',').entries()) urls.push((await proxied(`replica-${i + 1}`, url))!);
      next.DATABASE_REPLICA_URLS = urls.join(',');
    }
    return { config: next, panel: new FaultPanel(targets) };
  }

  list(): FaultTargetView[] {
    return [...this.targets.values()].map(({ name, upstream, fault }) => ({ name, upstream, fault }));
  }

  /** False when there is no such target. */
  set(name: string, fault: PanelFault): boolean {
    const target = this.targets.get(name);
    if (!target) return false;
    target.fault = fault;
    const proxyFault: Fault = fault.kind === 'cut' ? { kind: 'refuse' } : fault;
    target.proxy.set(proxyFault);
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.targets.values()].map((t) => t.proxy.close()));
  }
}
