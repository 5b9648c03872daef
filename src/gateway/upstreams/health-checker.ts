import type { Logger } from '../../platform/log/logger.js';
import type { Upstream } from './upstream.js';

/**
 * Active health checks: GET /readyz on every replica each interval, over
 * its own keep-alive pool. Consecutive failures eject, consecutive passes
 * re-admit (counts in Upstream.recordCheck).
 */
export class HealthChecker {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly upstreams: () => Upstream[],
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly timeoutMs = 1000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.checkAll(), this.intervalMs);
    this.timer.unref();
  }

  async checkAll(): Promise<void> {
    await Promise.all(this.upstreams().map((u) => this.check(u)));
  }

  async check(upstream: Upstream): Promise<void> {
    let ok = false;
    try {
      const res = await upstream.pool.request({
        method: 'GET',
        path: '/readyz',
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      await res.body.dump();
      ok = res.statusCode === 200;
    } catch {
      ok = false;
    }
    const change = upstream.recordCheck(ok);
    if (change === 'ejected') this.logger.warn({ upstream: upstream.url }, 'gateway: replica ejected (failed health checks)');
    if (change === 'admitted') this.logger.info({ upstream: upstream.url }, 'gateway: replica admitted (healthy)');
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
