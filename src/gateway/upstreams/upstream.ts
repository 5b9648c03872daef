import { Pool } from 'undici';
import { Breaker, type BreakerSettings } from '../../platform/resilience/breaker.js';
import type { Candidate } from '../balancers/balancer.js';
import { classify } from '../proxy/upstream-error.js';

export interface UpstreamSettings {
  breaker: BreakerSettings;
  /** Keep-alive connections per replica. */
  connections: number;
  /** Consecutive failed health checks that eject; consecutive passes that re-admit. */
  unhealthyAfter: number;
  healthyAfter: number;
}

/**
 * One replica as the gateway sees it: a keep-alive pool (undici), requests
 * in flight, its breaker (passive: opens after consecutive failed requests,
 * closes after a good trial call) and its active health (ejected after
 * failed /readyz checks, re-admitted after good ones).
 */
export class Upstream implements Candidate {
  readonly pool: Pool;
  readonly breaker: Breaker;
  inFlight = 0;
  /** Active health: starts false; the first good /readyz admits it. */
  admitted = false;
  /** Set when discovery lost it or a rolling restart is taking it out: no new requests. */
  draining = false;
  private passes = 0;
  private fails = 0;

  constructor(
    readonly id: string,
    readonly url: string,
    private readonly settings: UpstreamSettings,
  ) {
    this.pool = new Pool(url, { connections: settings.connections, keepAliveTimeout: 4000, pipelining: 1 });
    // A request refused for its own shape says nothing about the replica.
    this.breaker = new Breaker(settings.breaker, Date.now, (err) => classify(err) !== 'unsendable');
  }

  /** May get a new request now. */
  get available(): boolean {
    return this.admitted && !this.draining && this.breaker.acceptsCalls;
  }

  /** May get a request when no replica of its service is available: out of rotation by its checks alone (ServicePool.pick). */
  get panicRoutable(): boolean {
    return !this.draining && this.breaker.acceptsCalls;
  }

  /** One active check's outcome; returns what changed, for the log. */
  recordCheck(ok: boolean): 'admitted' | 'ejected' | null {
    if (ok) {
      this.fails = 0;
      this.passes++;
      if (!this.admitted && this.passes >= this.settings.healthyAfter) {
        this.admitted = true;
        return 'admitted';
      }
    } else {
      this.passes = 0;
      this.fails++;
      if (this.admitted && this.fails >= this.settings.unhealthyAfter) {
        this.admitted = false;
        return 'ejected';
      }
    }
    return null;
  }

  /** Passive ejection (outlier detection): out of rotation now; the next good active check re-admits it. */
  eject(): void {
    this.admitted = false;
    this.passes = 0;
  }

  /** Resolves when nothing is in flight (polls; a drain lasts as long as the slowest request). */
  async idle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.inFlight === 0;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
