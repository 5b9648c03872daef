import { randomInt } from 'node:crypto';
import { isReservedRootSegment } from '../../../platform/http/reserved-paths.js';

/**
 * Generated codes: 7 characters of base62 drawn from the OS CSPRNG (randomInt
 * rejects modulo bias). 62^7 ≈ 3.5 × 10^12 codes: with a billion links, a
 * guessed code hits one with probability ≈ 0.03%, enough for a link that is
 * shared, not secret (a private document needs a long token, not a short link).
 * Collision-free: the unique index on `code` refuses a duplicate and the
 * creator draws again (at a billion links a draw collides with p ≈ 0.03%, so a
 * fifth retry practically never happens).
 */
export const CODE_LENGTH = 7;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** What a code or alias may look like in a path: no dots or slashes, so it never looks like a file. */
export const CODE_PATTERN = '^[A-Za-z0-9_-]{3,64}$';
const CODE_RE = new RegExp(CODE_PATTERN);

export function generateCode(): string {
  for (;;) {
    let code = '';
    for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
    if (!isReservedRootSegment(code)) return code;
  }
}

/** Why an alias cannot be used, or null. */
export function aliasProblem(alias: string): string | null {
  if (!CODE_RE.test(alias)) return 'must be 3 to 64 letters, digits, - or _';
  if (isReservedRootSegment(alias)) return 'is reserved';
  return null;
}
