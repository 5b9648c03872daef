import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { AddressPolicy } from './address-policy.js';

export interface Resolved {
  address: string;
  family: 4 | 6;
}

/** How a host name becomes addresses; injectable so tests can play a rebinding DNS server. */
export type Resolver = (hostname: string) => Promise<Resolved[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export interface SafePostOptions {
  policy: AddressPolicy;
  resolve?: Resolver;
  timeoutMs: number;
  maxResponseBytes: number;
}

export type PostOutcome =
  | { ok: true; status: number }
  | { ok: false; status: number | null; error: string };

/**
 * POSTs a webhook without letting its URL reach inside our network:
 * http(s) only, no credentials in the URL; the host is resolved once, every
 * address checked against the policy, and the connection made to the
 * address that was checked (the agent's lookup returns it: a DNS answer
 * that changes between check and connect — rebinding — is never asked
 * for). Redirects are not followed (a 3xx is a failed delivery), the
 * response is read up to `maxResponseBytes` and the whole exchange is
 * bounded by `timeoutMs`.
 */
export async function safePost(url: string, headers: Record<string, string>, body: string, options: SafePostOptions): Promise<PostOutcome> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ok: false, status: null, error: 'invalid URL' };
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return { ok: false, status: null, error: `scheme ${target.protocol} refused (http and https only)` };
  if (target.username || target.password) return { ok: false, status: null, error: 'credentials in the URL refused' };
  const hostname = target.hostname.replace(/^\[|\]$/g, '');
  let addresses: Resolved[];
  try {
    addresses = isIP(hostname) ? [{ address: hostname, family: isIP(hostname) === 6 ? 6 : 4 }] : await (options.resolve ?? systemResolver)(hostname);
  } catch (err) {
    return { ok: false, status: null, error: `DNS: ${(err as Error).message}` };
  }
  if (addresses.length === 0) return { ok: false, status: null, error: 'DNS: no address' };
  // Every answer is checked, not only the first: a client library may try the others.
  for (const a of addresses) {
    const refusal = options.policy.refusal(a.address);
    if (refusal) return { ok: false, status: null, error: `address refused: ${refusal}` };
  }
  const pinned = addresses[0]!;
  // undici is loaded with the first delivery: a process that never sends a webhook does not hold it (~5 MB of heap).
  const { Agent, request } = await import('undici');
  const agent = new Agent({
    connect: {
      timeout: options.timeoutMs,
      // net.connect asks for one address or (autoSelectFamily) all of them: either way, the checked one.
      lookup: ((_host: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) =>
        opts?.all ? callback(null, [{ address: pinned.address, family: pinned.family }]) : callback(null, pinned.address, pinned.family)) as never,
    },
  });
  const abort = AbortSignal.timeout(options.timeoutMs);
  try {
    const res = await request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'scalestack-webhooks/1', ...headers },
      body,
      dispatcher: agent,
      signal: abort,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    let read = 0;
    for await (const chunk of res.body) {
      read += (chunk as Buffer).length;
      if (read > options.maxResponseBytes) {
        res.body.destroy();
        return { ok: false, status: res.statusCode, error: `response larger than ${options.maxResponseBytes} bytes` };
      }
    }
    if (res.statusCode >= 300 && res.statusCode < 400) return { ok: false, status: res.statusCode, error: 'redirect not followed' };
    if (res.statusCode < 200 || res.statusCode >= 300) return { ok: false, status: res.statusCode, error: `answered ${res.statusCode}` };
    return { ok: true, status: res.statusCode };
  } catch (err) {
    return { ok: false, status: null, error: abort.aborted ? `no answer within ${options.timeoutMs} ms` : (err as Error).message };
  } finally {
    void agent.close().catch(() => {});
  }
}
