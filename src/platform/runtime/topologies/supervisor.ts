import type { Logger } from '../../log/logger.js';
import type { ServiceRegistry } from '../../discovery/registry.js';
import { HEARTBEAT_TTL_MS } from './announce.js';
import { formatRemoteServices } from './remote-services.js';
import type { Plan } from './plan.js';
import { Replica, type ReplicaSpec } from './replica.js';
import type { RemotesMessage } from './messages.js';
import type { CpuLimiter } from './cpu-limits/cpu-limiter.js';

/** What the supervisor needs from the gateway in front (the CLI wires it; platform does not know the gateway). */
export interface EdgeControl {
  /** Whether the gateway sends traffic to this replica now (admitted and healthy). */
  serving(service: string, url: string): boolean;
  /** Stop new requests to the replica and wait for its in-flight ones. */
  drain(service: string, url: string): Promise<void>;
}

export interface SupervisorOptions {
  plan: Exclude<Plan, { kind: 'embedded' }>;
  /** Service names in dependency order (callees first). */
  services: string[];
  env: NodeJS.ProcessEnv;
  entry: { script: string; execArgv: string[] };
  registry: ServiceRegistry;
  logger: Logger;
  stopTimeoutMs: number;
  /** Each replica's DATABASE_POOL_MAX: its share of the topology's connection budget (pool-budget.ts). */
  poolPerReplica?: number;
  /** REPLICA_CPU_LIMIT: each replica in a cgroup of its own, limited to that many cores (cpu-limits/). */
  cpuLimiter?: CpuLimiter;
}

/**
 * Runs the replicas of a multi-process topology on this host: forks them
 * (callees first, so social knows identity's URLs), turns their IPC
 * heartbeats into registry entries with a TTL, and replaces them one at a
 * time on a rolling restart.
 */
export class Supervisor {
  private readonly replicas: Replica[] = [];
  private counter = 0;
  private edge: EdgeControl | null = null;
  private stopping = false;

  constructor(private readonly options: SupervisorOptions) {}

  list(): Array<{ name: string; url: string | null; services: string[]; pid: number | undefined }> {
    return this.replicas.map((r) => ({ name: r.spec.name, url: r.url, services: r.spec.services, pid: r.child.pid }));
  }

  /** The replicas of `service` that serve now (the autoscaler scrapes them). */
  replicasOf(service: string): Array<{ name: string; url: string }> {
    return this.replicas.filter((r) => r.alive && !r.leaving && r.url && r.spec.services.includes(service)).map((r) => ({ name: r.spec.name, url: r.url! }));
  }

  /** Starts replicas of `service` (each serving before the next) or drains and retires the newest, until `count` run it. */
  async scaleTo(service: string, count: number): Promise<void> {
    const live = this.replicas.filter((r) => r.alive && !r.leaving && r.spec.services.includes(service));
    for (let i = live.length; i < count; i++) await this.waitServing(await this.spawn([service], service));
    for (const replica of live.slice(count).reverse()) {
      for (const s of replica.spec.services) if (replica.url) await this.edge?.drain(s, replica.url);
      await this.retire(replica);
    }
  }

  /**
   * SIGKILL one replica (a crash drill: no drain, in-flight requests are cut). Its exit is then handled
   * as any unexpected exit: deregistered, and a replacement started in its place. Null when no live
   * replica has that name (or it is already leaving).
   */
  kill(name: string): { name: string; pid: number | undefined; services: string[] } | null {
    const replica = this.replicas.find((r) => r.spec.name === name && r.alive && !r.leaving);
    if (!replica) return null;
    this.options.logger.warn({ replica: name, pid: replica.child.pid }, 'replica killed on request (SIGKILL)');
    replica.child.kill('SIGKILL');
    return { name, pid: replica.child.pid, services: replica.spec.services };
  }

  attachEdge(edge: EdgeControl): void {
    this.edge = edge;
  }

  async start(): Promise<void> {
    const { plan } = this.options;
    if (plan.kind === 'workers') {
      await Promise.all(Array.from({ length: plan.workers }, () => this.spawn(this.options.services, 'worker')));
      return;
    }
    for (const service of this.options.services) {
      await Promise.all(Array.from({ length: plan.replicas.get(service) ?? 1 }, () => this.spawn([service], service)));
    }
  }

  /** Replaces every replica running `service`, one at a time: start the new one, wait until the gateway serves it, drain the old one, stop it. */
  async restart(service: string): Promise<{ replaced: string[] }> {
    const old = this.replicas.filter((r) => r.spec.services.includes(service) && r.alive);
    if (old.length === 0) throw new Error(`no replica runs "${service}"`);
    const replaced: string[] = [];
    for (const replica of old) {
      const fresh = await this.spawn(replica.spec.services, replica.spec.name.replace(/-\d+$/, ''));
      await this.waitServing(fresh);
      for (const s of replica.spec.services) if (replica.url) await this.edge?.drain(s, replica.url);
      await this.retire(replica);
      replaced.push(`${replica.spec.name} -> ${fresh.spec.name}`);
      this.options.logger.info({ service, old: replica.spec.name, new: fresh.spec.name }, 'rolling restart: replica replaced');
    }
    return { replaced };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // Callers before callees: social stops before the identity it calls.
    const order = [...this.options.services].reverse();
    for (const service of order) {
      await Promise.all(this.replicas.filter((r) => r.spec.services[0] === service).map((r) => this.retire(r)));
    }
    await Promise.all(this.replicas.map((r) => this.retire(r)));
    await this.options.cpuLimiter?.close().catch((err: Error) => this.options.logger.warn({ err: err.message }, 'could not remove the replicas\' cgroups'));
  }

  private async spawn(services: string[], label: string): Promise<Replica> {
    const spec: ReplicaSpec = { name: `${label}-${++this.counter}`, services, env: this.childEnv(services) };
    const replica = new Replica(spec, this.options.entry, this.options.logger, (r) => void this.onMessage(r));
    this.replicas.push(replica);
    const limiter = this.options.cpuLimiter;
    if (limiter && replica.child.pid !== undefined) {
      try {
        await limiter.confine(spec.name, replica.child.pid);
      } catch (err) {
        // A replica the limit could not hold would take whole cores, and the autoscaler would read it against the limit.
        replica.leaving = true;
        replica.child.kill('SIGKILL');
        this.replicas.splice(this.replicas.indexOf(replica), 1);
        throw err;
      }
    }
    void replica.exited.then(({ code, signal }) => {
      void limiter?.release(spec.name).catch((err: Error) => this.options.logger.warn({ replica: spec.name, err: err.message }, 'could not remove the replica\'s cgroup'));
      void this.deregister(replica);
      if (this.stopping || replica.leaving) return;
      // A crash: the gateway has already stopped sending to it (breaker, health checks, TTL); put a new one in its place.
      this.options.logger.error({ replica: spec.name, code, signal }, 'replica exited unexpectedly; starting a replacement');
      this.replicas.splice(this.replicas.indexOf(replica), 1);
      this.spawn(services, label).catch((err: Error) => this.options.logger.error({ err: err.message, replica: spec.name }, 'replacement failed to start'));
    });
    await replica.ready;
    this.pushRemotes();
    return replica;
  }

  /** Tells every replica where each service is now (callers keep their remote clients current). */
  private pushRemotes(): void {
    const services: Record<string, string[]> = {};
    for (const r of this.replicas) {
      if (!r.alive || r.leaving || !r.url) continue;
      for (const s of r.spec.services) (services[s] ??= []).push(r.url);
    }
    for (const r of this.replicas) {
      if (r.alive && r.child.connected) r.child.send({ type: 'remotes', services } satisfies RemotesMessage, () => {});
    }
  }

  private childEnv(services: string[]): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...this.options.env, RATE_LIMIT_ENABLED: 'false' };
    if (this.options.poolPerReplica !== undefined) env['DATABASE_POOL_MAX'] = String(this.options.poolPerReplica);
    if (this.options.plan.kind === 'workers') return env;
    env['SERVICES'] = services.join(',');
    // Each service reaches the ones before it (its callees) directly, by URL.
    const callees = new Map<string, string[]>();
    for (const callee of this.options.services.slice(0, this.options.services.indexOf(services[0]!))) {
      callees.set(callee, this.replicas.filter((r) => r.alive && r.url && r.spec.services.includes(callee)).map((r) => r.url!));
    }
    if (callees.size > 0) env['REMOTE_SERVICES'] = formatRemoteServices(callees);
    return env;
  }

  private async onMessage(replica: Replica): Promise<void> {
    if (!replica.url) return;
    if (replica.leaving) return this.deregister(replica);
    for (const service of replica.spec.services) {
      await this.options.registry.heartbeat({ service, id: replica.spec.name, url: replica.url }, HEARTBEAT_TTL_MS);
    }
  }

  private async deregister(replica: Replica): Promise<void> {
    if (!replica.url) return;
    for (const service of replica.spec.services) {
      await this.options.registry.deregister({ service, id: replica.spec.name, url: replica.url }).catch(() => {});
    }
  }

  private async waitServing(replica: Replica): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (!this.edge || replica.spec.services.every((s) => this.edge!.serving(s, replica.url!))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${replica.spec.name} did not become healthy behind the gateway within 30 s`);
  }

  private async retire(replica: Replica): Promise<void> {
    replica.leaving = true;
    await this.deregister(replica);
    if (!this.stopping) this.pushRemotes();
    await replica.stop(this.options.stopTimeoutMs);
    const i = this.replicas.indexOf(replica);
    if (i >= 0) this.replicas.splice(i, 1);
  }
}
