import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How the gateway hands the identity it verified to a service: the user id
 * in `x-user-id` and an HMAC-SHA256 of "<id>.<ts>" under INTERNAL_SECRET in
 * `x-user-sig` ("<ts>.<mac>"). A service trusts the id only with a valid,
 * fresh signature, so a service reached directly cannot be fooled by a
 * hand-written x-user-id. Internal endpoints (service to service) are
 * signed the same way with the subject "internal".
 */
export const USER_ID_HEADER = 'x-user-id';
export const USER_SIG_HEADER = 'x-user-sig';
export const INTERNAL_SIG_HEADER = 'x-internal-sig';

/** A signature older (or further in the future) than this is refused: replay protection with clock slack. */
const MAX_SKEW_MS = 60_000;

function mac(secret: string, subject: string, ts: number): string {
  return createHmac('sha256', secret).update(`${subject}.${ts}`).digest('base64url');
}

export function sign(secret: string, subject: string, now = Date.now()): string {
  return `${now}.${mac(secret, subject, now)}`;
}

/** Whether `signature` is a fresh, valid signature of `subject`. */
export function verify(secret: string, subject: string, signature: string | undefined, now = Date.now()): boolean {
  if (!signature) return false;
  const dot = signature.indexOf('.');
  const ts = Number(signature.slice(0, dot));
  if (dot < 1 || !Number.isSafeInteger(ts) || Math.abs(now - ts) > MAX_SKEW_MS) return false;
  const expected = Buffer.from(mac(secret, subject, ts));
  const given = Buffer.from(signature.slice(dot + 1));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The headers the gateway adds for a verified user. */
export function identityHeaders(secret: string, userId: number, now = Date.now()): Record<string, string> {
  return { [USER_ID_HEADER]: String(userId), [USER_SIG_HEADER]: sign(secret, String(userId), now) };
}

/** The user id the headers carry when signed with `secret`; null when absent, forged or stale. */
export function verifiedUserId(secret: string | undefined, id: string | undefined, signature: string | undefined): number | null {
  if (!secret || id === undefined || !/^[1-9]\d{0,15}$/.test(id)) return null;
  return verify(secret, id, signature) ? Number(id) : null;
}
