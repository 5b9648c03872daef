import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel';
import { Gauge, type Registry } from 'prom-client';
import type { Redis } from 'ioredis';

export interface DependencyBreakerSettings {
  /** Consecutive failed calls (timeouts, errors) that open the circuit. */
  failures: number;
  /** While open: how often a background probe tries the dependency (the probe is the half-open trial). */
  probeEveryMs: number;
}

const DEFAULTS: DependencyBreakerSettings = { failures: 3, probeEveryMs: 1_000 };

/** Every breaker alive in this process, for the `dependency_up` gauge. */
const live = new Set<DependencyBreaker>();

/**
 * A circuit breaker (cockatiel) in front of one client of a dependency, so a
 * dead dependency costs a caller microseconds: while open, `execute` rejects
 * at once and the caller takes its fallback (Postgres, the in-memory
 * insurance limiter, the outbox that keeps events until the broker returns).
 *
 * It opens two ways: at once when the client reports its connection lost
 * (`watch`: held open, cockatiel's isolate, until the client is ready again;
 * ioredis's reconnect loop is the probe), or after `failures` consecutive
 * failed calls (a server that accepts connections but does not answer). In
 * the second case a background probe tries the dependency every
 * `probeEveryMs`, so the circuit closes by itself when the dependency answers
 * again even with no traffic. The half-open trial goes to whichever call comes
 * first, the probe or a request: against a server that still does not answer,
 * at most one request per `probeEveryMs` waits out the command timeout.
 */
export class DependencyBreaker {
  readonly policy: CircuitBreakerPolicy;
  private isolation: { dispose(): void } | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private probe: (() => Promise<unknown>) | undefined;
  opens = 0;

  constructor(
    readonly dependency: string,
    readonly client: string,
    private readonly settings: DependencyBreakerSettings = DEFAULTS,
  ) {
    this.policy = circuitBreaker(handleAll, {
      halfOpenAfter: settings.probeEveryMs,
      breaker: new ConsecutiveBreaker(settings.failures),
    });
    this.policy.onBreak(() => {
      this.opens++;
      this.startProbing();
    });
    this.policy.onReset(() => this.stopProbing());
    live.add(this);
  }

  /** Follow a Redis client's connection: lost → open at once; ready → closed. Its PING is the background probe. */
  watch(redis: Redis): this {
    this.probe = () => redis.ping();
    const lost = () => {
      this.isolation ??= this.policy.isolate();
    };
    redis.on('close', lost);
    redis.on('end', lost);
    redis.on('ready', () => {
      const isolation = this.isolation;
      this.isolation = undefined;
      isolation?.dispose();
    });
    return this;
  }

  /** Runs `fn` unless the circuit is open (then rejects at once with cockatiel's BrokenCircuitError or IsolatedCircuitError). */
  execute<T>(fn: () => Promise<T>): Promise<T> {
    return this.policy.execute(fn);
  }

  /** True when calls go through (closed); false while open, held open or half-open. */
  get up(): boolean {
    return this.policy.state === CircuitState.Closed;
  }

  close(): void {
    this.stopProbing();
    live.delete(this);
  }

  private startProbing(): void {
    if (this.probeTimer || !this.probe) return;
    const probe = this.probe;
    this.probeTimer = setInterval(() => {
      if (this.policy.state === CircuitState.Isolated) return; // the connection's own reconnect decides
      this.policy.execute(probe).catch(() => {});
    }, this.settings.probeEveryMs);
    this.probeTimer.unref();
  }

  private stopProbing(): void {
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }
}

/**
 * `dependency_up{dependency, client}`: 1 while the breaker in front of that
 * client lets calls through, 0 while it bypasses the dependency
 * (docs/patterns/degradation.md). Read at scrape time from the process's breakers.
 */
export function registerDependencyMetrics(registry: Registry): void {
  if (registry.getSingleMetric('dependency_up')) return;
  new Gauge({
    name: 'dependency_up',
    help: 'Whether calls to a dependency go through (1) or are bypassed by its open circuit breaker (0), per client',
    labelNames: ['dependency', 'client'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const up = new Map<string, { dependency: string; client: string; up: boolean }>();
      for (const b of live) {
        const key = `${b.dependency}\n${b.client}`;
        const seen = up.get(key);
        up.set(key, { dependency: b.dependency, client: b.client, up: (seen?.up ?? true) && b.up });
      }
      for (const { dependency, client, up: isUp } of up.values()) this.set({ dependency, client }, isUp ? 1 : 0);
    },
  });
}
