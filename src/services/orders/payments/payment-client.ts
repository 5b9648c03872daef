import { ExponentialBackoff, handleWhen, retry, wrap } from 'cockatiel';
import { Breaker } from '../../../platform/resilience/breaker.js';

export interface ChargeResult {
  id: string;
  status: 'succeeded' | 'declined';
}

/** The provider answered and will not charge: no retry changes that (the order is cancelled). */
export class PaymentDeclined extends Error {
  constructor(readonly chargeId: string) {
    super('payment declined');
  }
}

/** No usable answer (timeout, 5xx, breaker open): retrying with the same key is safe. */
export class PaymentUnavailable extends Error {}

export interface PaymentClient {
  /** Charges once per `key` however often it is called (the provider's Idempotency-Key). */
  charge(key: string, amount: number, currency: string): Promise<ChargeResult>;
  /** Refunds a charge; refunding again changes nothing. */
  refund(chargeId: string): Promise<void>;
  breaker: Breaker;
}

export interface PaymentClientSettings {
  url: string;
  timeoutMs: number;
  /** Consecutive failures that open the breaker, and how long it stays open. */
  breaker?: { failures: number; halfOpenAfterMs: number };
}

/**
 * The payment provider over HTTP: every call has a timeout, a breaker in front
 * (cockatiel) so a provider that is down is not hammered, and a short retry
 * inside the call — safe only because both calls are idempotent at the
 * provider (charges by key, refunds by charge). Longer retries are the saga
 * job's (the bus's backoff).
 */
export function createPaymentClient(settings: PaymentClientSettings): PaymentClient {
  const transient = (err: Error) => err instanceof PaymentUnavailable;
  const breaker = new Breaker(settings.breaker ?? { failures: 10, halfOpenAfterMs: 500 }, Date.now, transient);
  const retrying = retry(handleWhen(transient), { maxAttempts: 2, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 200 }) });
  const policy = wrap(retrying, breaker.policy);

  const call = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    policy.execute(async () => {
      let res: Response;
      try {
        res = await fetch(new URL(path, settings.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(settings.timeoutMs),
        });
      } catch (err) {
        throw new PaymentUnavailable(`payment provider: ${(err as Error).name}`);
      }
      const text = await res.text().catch(() => '');
      if (res.status >= 500) throw new PaymentUnavailable(`payment provider answered ${res.status}`);
      let parsed: { charge?: { id: string; status: 'succeeded' | 'declined' } } = {};
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        throw new PaymentUnavailable('payment provider answered garbage');
      }
      return { status: res.status, charge: parsed.charge };
    });

  return {
    breaker,
    charge: async (key, amount, currency) => {
      const { status, charge } = await call('/charges', { amount, currency }, { 'idempotency-key': key });
      if (status === 402 && charge) throw new PaymentDeclined(charge.id);
      if (status !== 201 || !charge) throw new Error(`payment provider refused the charge (${status})`);
      return { id: charge.id, status: charge.status };
    },
    refund: async (chargeId) => {
      const { status } = await call(`/charges/${encodeURIComponent(chargeId)}/refund`, {});
      if (status !== 200) throw new Error(`payment provider refused the refund (${status})`);
    },
  };
}
