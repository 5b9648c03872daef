import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { signedHeaders } from '../../platform/webhooks/standard-webhooks.js';

/**
 * A payment provider that fails like real ones (issue 16), for the orders
 * saga's drills: latency, declines, timeouts (the charge happens, the answer
 * never comes in time) and 5xx (half of them after the charge was made), at
 * configurable rates. Its own Idempotency-Key makes retries safe: the same key
 * answers the first charge, never a second one. Like Stripe it also tells the
 * merchant afterwards, by webhooks signed the Standard Webhooks way
 * (charge.succeeded, charge.failed, charge.refunded; one event id each,
 * retried on failure): the answer to a charge that timed out arrives that way.
 * State is in memory: a test double of a remote system, not part of ours.
 */
export interface ProviderSettings {
  latencyMs: number;
  declineRate: number;
  errorRate: number;
  timeoutRate: number;
  /** How long a "timed out" answer hangs before it is sent (callers give up earlier). */
  timeoutMs: number;
  random?: () => number;
  /** Where webhooks go (POSTed); unset: none are sent (still recorded). Changeable while running. */
  webhookUrl?: string;
  /** Signs them (whsec_...); webhooks need it. */
  webhookSecret?: string;
  /** Instead of a POST: hands each signed webhook to this (the in-process provider calls its merchant directly). */
  webhookSink?: (headers: Record<string, string>, body: string) => Promise<void>;
}

export type ChargeEventType = 'charge.succeeded' | 'charge.failed' | 'charge.refunded';

/** One webhook event and how its delivery went. */
export interface SentWebhook {
  id: string;
  type: ChargeEventType;
  body: string;
  attempts: number;
  delivered: boolean;
}

export interface Charge {
  id: string;
  key: string;
  amount: number;
  currency: string;
  status: 'succeeded' | 'declined';
  refunded: boolean;
}

export interface PaymentProvider {
  url: string;
  charges(): Charge[];
  /** Every webhook event so far, in order (a test may send one again: a replay). */
  webhooks(): SentWebhook[];
  /** Headers for `body` signed now (a replay as the provider's own retry would send it). */
  sign(id: string, body: string): Record<string, string>;
  settings: ProviderSettings;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 65_536) return null;
    chunks.push(chunk as Buffer);
  }
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    return body && typeof body === 'object' ? (body as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startPaymentProvider(settings: ProviderSettings, port = 0, host = '127.0.0.1'): Promise<PaymentProvider> {
  const byKey = new Map<string, Charge>();
  const byId = new Map<string, Charge>();
  const random = settings.random ?? Math.random;
  const sent: SentWebhook[] = [];
  let closed = false;

  const sign = (id: string, body: string) => signedHeaders([settings.webhookSecret ?? ''], id, Math.floor(Date.now() / 1000), body);
  /** Up to 5 attempts, 100 ms → 1.6 s apart; each attempt signed afresh (its timestamp is the attempt's). */
  const deliver = async (hook: SentWebhook) => {
    for (let attempt = 0; attempt < 5 && !closed; attempt++) {
      if (attempt > 0) await sleep(100 * 2 ** attempt);
      if (!settings.webhookSecret || (!settings.webhookSink && !settings.webhookUrl)) return;
      hook.attempts++;
      try {
        const headers = { 'content-type': 'application/json', ...sign(hook.id, hook.body) };
        if (settings.webhookSink) await settings.webhookSink(headers, hook.body);
        else {
          const res = await fetch(settings.webhookUrl!, { method: 'POST', headers, body: hook.body, signal: AbortSignal.timeout(5000) });
          await res.arrayBuffer().catch(() => {});
          if (!res.ok) continue;
        }
        hook.delivered = true;
        return;
      } catch {
        // the next attempt
      }
    }
  };
  const notify = (type: ChargeEventType, charge: Charge) => {
    const id = `evt_${type.slice('charge.'.length)}_${charge.id}`;
    const hook: SentWebhook = { id, type, body: JSON.stringify({ type, timestamp: new Date().toISOString(), data: { charge } }), attempts: 0, delivered: false };
    sent.push(hook);
    void deliver(hook);
  };

  /** Decides this call's fate: 'ok', 'error-before' (nothing charged), 'error-after' (charged, then 500) or 'timeout'. */
  const fate = () => {
    const r = random();
    if (r < settings.errorRate / 2) return 'error-before';
    if (r < settings.errorRate) return 'error-after';
    if (r < settings.errorRate + settings.timeoutRate) return 'timeout';
    return 'ok';
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://provider');
    if (req.method === 'GET' && url.pathname === '/charges') return send(res, 200, { charges: [...byId.values()] });
    const refund = /^\/charges\/([\w-]+)\/refund$/.exec(url.pathname);
    if (req.method !== 'POST' || (url.pathname !== '/charges' && !refund)) return send(res, 404, { error: 'not found' });
    const body = await readJson(req);
    await sleep(settings.latencyMs);
    const f = fate();
    if (f === 'error-before') return send(res, 503, { error: 'unavailable' });
    let answer: { status: number; body: unknown };
    if (refund) {
      const charge = byId.get(refund[1]!);
      if (!charge) return send(res, 404, { error: 'no such charge' });
      // Refunding twice is refunding once: the refund is idempotent by charge.
      const first = charge.status === 'succeeded' && !charge.refunded;
      charge.refunded = charge.status === 'succeeded';
      if (first) notify('charge.refunded', charge);
      answer = { status: 200, body: { charge } };
    } else {
      const key = req.headers['idempotency-key'];
      if (typeof key !== 'string' || key.length === 0 || key.length > 255) return send(res, 400, { error: 'Idempotency-Key required' });
      const amount = body?.['amount'];
      const currency = body?.['currency'];
      if (!Number.isSafeInteger(amount) || (amount as number) < 0 || typeof currency !== 'string') return send(res, 400, { error: 'amount and currency required' });
      let charge = byKey.get(key);
      if (charge && (charge.amount !== amount || charge.currency !== currency)) return send(res, 422, { error: 'key reused with other parameters' });
      if (!charge) {
        charge = { id: randomUUID(), key, amount: amount as number, currency, status: random() < settings.declineRate ? 'declined' : 'succeeded', refunded: false };
        byKey.set(key, charge);
        byId.set(charge.id, charge);
        notify(charge.status === 'succeeded' ? 'charge.succeeded' : 'charge.failed', charge);
      }
      answer = { status: charge.status === 'succeeded' ? 201 : 402, body: { charge } };
    }
    if (f === 'error-after') return send(res, 500, { error: 'internal' });
    if (f === 'timeout') await sleep(settings.timeoutMs);
    return send(res, answer.status, answer.body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { error: 'internal' }));
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    settings,
    charges: () => [...byId.values()],
    webhooks: () => [...sent],
    sign,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Settings from PAYMENT_PROVIDER_* environment variables (rates 0..1). */
export function providerSettingsFrom(env: Record<string, string | undefined>): ProviderSettings {
  const num = (name: string, fallback: number) => {
    const v = env[name];
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
    return n;
  };
  return {
    latencyMs: num('PAYMENT_PROVIDER_LATENCY_MS', 20),
    declineRate: num('PAYMENT_PROVIDER_DECLINE_RATE', 0),
    errorRate: num('PAYMENT_PROVIDER_ERROR_RATE', 0),
    timeoutRate: num('PAYMENT_PROVIDER_TIMEOUT_RATE', 0),
    timeoutMs: num('PAYMENT_PROVIDER_TIMEOUT_MS', 2000),
    webhookUrl: env['PAYMENT_PROVIDER_WEBHOOK_URL'],
    webhookSecret: env['PAYMENT_PROVIDER_WEBHOOK_SECRET'],
  };
}
