import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com), both ends: the signed
 * content is `${webhook-id}.${webhook-timestamp}.${body}`, HMAC-SHA256 with
 * the secret's bytes (base64 after the `whsec_` prefix), sent as
 * `v1,<base64>`; several signatures are space-separated, which is how a
 * rotation works: while the previous secret is still valid, both sign. The
 * receiver refuses a timestamp too far from its clock (the replay window; a
 * replay inside it is the receiver's dedupe by webhook-id).
 */
export const SECRET_PREFIX = 'whsec_';

export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

const keyOf = (secret: string) => Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');

export function signature(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The three headers of one delivery attempt; `secrets`: the current one first, then any still honoured after a rotation. */
export function signedHeaders(secrets: readonly string[], id: string, timestamp: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => signature(s, id, timestamp, body)).join(' '),
  };
}

export type WebhookCheck = { ok: true; id: string } | { ok: false; reason: 'signature' | 'timestamp' };

/**
 * Whether a delivery is genuine and fresh: the headers present, the timestamp within `toleranceS` of now, and one
 * `v1,` signature equal to ours (compared in constant time). `body`: the bytes as received, before any parsing.
 */
export function verifyWebhook(secret: string, headers: Record<string, string | string[] | undefined>, body: string, toleranceS = 300, now = Date.now()): WebhookCheck {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || id.length === 0 || typeof signatures !== 'string') return { ok: false, reason: 'signature' };
  if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > toleranceS) return { ok: false, reason: 'timestamp' };
  const expected = createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest();
  const match = signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match ? { ok: true, id } : { ok: false, reason: 'signature' };
}
