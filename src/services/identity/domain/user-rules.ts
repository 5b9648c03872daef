import { errors } from '../../../platform/errors/catalog.js';
import { canonicalIdentifier, hasInvisibleCharacters, isSingleScript } from '../../../platform/text/identifiers.js';

/** Field rules shared by register and update; each failure is keyed by its field. */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 64;

type Problems = Record<string, string[]>;

export function checkPresent(problems: Problems, field: string, value: string | null | undefined): void {
  if (value === undefined || value === null || value.trim() === '') (problems[field] ??= []).push("can't be blank");
}

export function checkEmail(problems: Problems, email: string | null | undefined): void {
  if (email === undefined || email === null || email.trim() === '') return checkPresent(problems, 'email', email);
  if (hasInvisibleCharacters(email)) return void (problems['email'] ??= []).push(INVISIBLE);
  if (!/^[^\s@]+@[^\s@]+$/.test(canonicalEmail(email))) (problems['email'] ??= []).push('is invalid');
}

const INVISIBLE = 'must not contain control or invisible characters';

/** A username: present, no control or format characters (docs/adr/0016-identifier-normalization.md), one writing system. */
export function checkUsername(problems: Problems, username: string | null | undefined): void {
  if (username === undefined || username === null || username.trim() === '') return checkPresent(problems, 'username', username);
  if (hasInvisibleCharacters(username)) return void (problems['username'] ??= []).push(INVISIBLE);
  if (!isSingleScript(canonicalUsername(username))) (problems['username'] ??= []).push('must be written in one script');
}

/** The forms stored and compared: trimmed, NFKC, lowercase (src/platform/text/identifiers.ts). */
export const canonicalUsername = canonicalIdentifier;
export const canonicalEmail = canonicalIdentifier;

export function checkPassword(problems: Problems, password: string | null | undefined): void {
  if (password === undefined || password === null || password.trim() === '') return checkPresent(problems, 'password', password);
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    (problems['password'] ??= []).push(`must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`);
  }
}

export function throwIfAny(problems: Problems): void {
  if (Object.keys(problems).length > 0) throw errors.validation(problems);
}

/** RealWorld: an empty bio or image is stored as null; whitespace alone counts as empty. */
export function emptyToNull(value: string | null | undefined): string | null | undefined {
  return typeof value === 'string' && value.trim() === '' ? null : value;
}
