import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/**
 * A payment provider that fails like real ones (issue 16), for the orders
 * saga's drills: latency, declines, timeouts (the charge happens, the answer
 * never comes in time) and 5xx (half of them after the charge was made), at
 * configurable rates. Its own Idempotency-Key makes retries safe: the same key
 * answers the first charge, never a second one. State is in memory: a test
 * double of a remote system, not part of ours.
 */
export interface ProviderSettings {
  latencyMs: number;
  declineRate: number;
  errorRate: number;
  timeoutRate: number;
  /** How long a "timed out" answer hangs before it is sent (callers give up earlier). */
  timeoutMs: number;
  random?: () => number;
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
      charge.refunded = charge.status === 'succeeded';
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
    close: () =>
      new Promise<void>((resolve) => {
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
  };
}
