import { Counter, type Registry } from 'prom-client';
import { WakeableLoop } from '../../../platform/bus/wakeable-loop.js';
import type { Logger } from '../../../platform/log/logger.js';
import type { ClaimedDelivery, DeliveriesStore } from '../data/deliveries.store.js';
import type { RetrySchedule } from './retry-schedule.js';
import type { PostOutcome } from './safe-post.js';
import { signedHeaders } from './signing.js';
import type { DeliveryPayload } from './webhook-channel.js';

export interface DispatcherSettings {
  schedule: RetrySchedule;
  /** Attempts in flight at once in this process. */
  concurrency: number;
  /** How often to look when not woken. */
  pollMs: number;
  /** How long a claimed attempt is this worker's; longer than an attempt can take. */
  leaseMs: number;
  /** An endpoint failing for this long is disabled. */
  disableAfterMs: number;
}

/** What happens when an endpoint is disabled, beyond the row and the log (e.g. an email to its owner). */
export type EndpointDisabledHook = (endpoint: { webhookId: string; userId: number; url: string; reason: string }) => Promise<void>;

export interface DispatcherDeps {
  deliveries: DeliveriesStore;
  /** The body sent for a delivery (rendered once, then stored). */
  render: (payload: DeliveryPayload, eventType: string) => Promise<string>;
  post: (url: string, headers: Record<string, string>, body: string) => Promise<PostOutcome>;
  onDisabled: EndpointDisabledHook;
  logger: Logger;
  registry: Registry;
}

/**
 * Works the delivery queue (the deliveries table): claims due deliveries,
 * at most `concurrency` in flight, makes one signed attempt each, and
 * records the outcome — delivered, due again after the schedule's next wait,
 * or dead after the last. Every process running notifications runs one;
 * SKIP LOCKED and the lease keep them off each other's deliveries.
 */
export class WebhookDispatcher {
  private readonly loop = new WakeableLoop(
    () => this.drain().catch((err: unknown) => this.deps.logger.warn({ err }, 'webhooks: claiming deliveries failed; will retry')),
    () => this.settings.pollMs,
  );
  private readonly inFlight = new Set<Promise<void>>();
  private readonly attempts: Counter<'outcome'>;

  constructor(
    private readonly deps: DispatcherDeps,
    private readonly settings: DispatcherSettings,
  ) {
    this.attempts = new Counter({
      name: 'notifications_webhook_attempts_total', help: 'Webhook delivery attempts, by outcome (delivered, retry, dead)',
      labelNames: ['outcome'] as const, registers: [deps.registry],
    });
  }

  start(): this {
    this.loop.start();
    return this;
  }

  /** Look now (a notification with deliveries just committed, or an attempt ended and freed its slot). */
  wake(): void {
    this.loop.wake();
  }

  /**
   * Claims as many due deliveries as there are free slots and starts them;
   * each attempt that ends frees its slot and wakes the loop, so one slow
   * receiver holds one slot, not the batch it was claimed with.
   */
  private async drain(): Promise<void> {
    while (!this.loop.isStopped) {
      const free = this.settings.concurrency - this.inFlight.size;
      if (free <= 0) return;
      const batch = await this.deps.deliveries.claim(free, this.settings.leaseMs);
      if (batch.length === 0) return;
      for (const claim of batch) {
        const attempt: Promise<void> = this.attempt(claim).finally(() => {
          this.inFlight.delete(attempt);
          this.wake();
        });
        this.inFlight.add(attempt);
      }
    }
  }

  private async attempt(claim: ClaimedDelivery): Promise<void> {
    try {
      const body = await this.bodyOf(claim);
      if (body === null) return;
      const previousValid = claim.previous_secret !== null && claim.previous_until !== null && claim.previous_until.getTime() > Date.now();
      const secrets = previousValid ? [claim.secret, claim.previous_secret!] : [claim.secret];
      const headers = signedHeaders(secrets, claim.id, Math.floor(Date.now() / 1000), body);
      const outcome = await this.deps.post(claim.url, headers, body);
      if (outcome.ok) {
        if (await this.deps.deliveries.succeeded(claim, outcome.status)) this.attempts.inc({ outcome: 'delivered' });
        return;
      }
      const retryInMs = this.settings.schedule.delayAfter(claim.attempts);
      const recorded = await this.deps.deliveries.failed(claim, outcome, retryInMs);
      this.attempts.inc({ outcome: retryInMs === null ? 'dead' : 'retry' });
      if (recorded && recorded.failingForMs >= this.settings.disableAfterMs) await this.disable(claim, outcome.error, recorded.failingForMs);
    } catch (err) {
      // The database failed to record it: the lease runs out and the attempt is made again.
      this.deps.logger.warn({ err, delivery: claim.id }, 'webhooks: attempt not recorded; retried when its lease expires');
    }
  }

  /** The stored body, or rendered and stored now; null (the claim given back, uncounted) when it cannot be rendered yet. */
  private async bodyOf(claim: ClaimedDelivery): Promise<string | null> {
    if (claim.body !== null) return claim.body;
    let rendered: string;
    try {
      rendered = await this.deps.render(claim.payload as DeliveryPayload, claim.event_type);
    } catch (err) {
      this.deps.logger.warn({ err, delivery: claim.id }, 'webhooks: could not render a delivery; tried again later');
      await this.deps.deliveries.release(claim, this.settings.schedule.delayAfter(1) ?? this.settings.pollMs);
      return null;
    }
    return this.deps.deliveries.keepBody(claim.id, rendered);
  }

  private async disable(claim: ClaimedDelivery, lastError: string, failingForMs: number): Promise<void> {
    const reason = `every attempt failed for ${formatDuration(failingForMs)} (last: ${lastError})`;
    if (!(await this.deps.deliveries.disable(claim.webhook_id, reason))) return;
    this.deps.logger.warn({ webhook: claim.webhook_id, reason }, 'webhooks: endpoint disabled');
    await this.deps.onDisabled({ webhookId: claim.webhook_id, userId: claim.user_id, url: claim.url, reason })
      .catch((err: unknown) => this.deps.logger.warn({ err, webhook: claim.webhook_id }, 'webhooks: telling the owner of a disabled endpoint failed'));
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    // Attempts under way finish and are recorded (each is bounded by WEBHOOK_TIMEOUT_MS).
    await Promise.all([...this.inFlight]);
  }
}

function formatDuration(ms: number): string {
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 1000).toFixed(1)} s`;
}
