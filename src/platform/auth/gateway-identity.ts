import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Transform } from 'node:stream';
import type { FastifyReply, FastifyRequest, RequestPayload } from 'fastify';
import { errors } from '../errors/catalog.js';

/**
 * How the gateway hands the identity it verified to a service: the user id
 * in `x-user-id` and, in `x-user-sig` ("<ts>.<mac>"), an HMAC-SHA256 under
 * INTERNAL_SECRET of the id, the time, and the request it belongs to:
 * method, path (query included) and the SHA-256 of the body (sent in
 * `x-content-sha256`). A service trusts the id only with a valid, fresh
 * signature of the very request it is serving, so a signature lifted from
 * one request cannot be replayed on another method, path, service or body,
 * and not at all once the short window has passed (docs/adr/0018-internal-trust-and-admin.md).
 * Internal endpoints (service to service) are signed the same way with the
 * subject "internal".
 */
export const USER_ID_HEADER = 'x-user-id';
export const USER_SIG_HEADER = 'x-user-sig';
export const INTERNAL_SIG_HEADER = 'x-internal-sig';
export const BODY_DIGEST_HEADER = 'x-content-sha256';

/** What a signature is bound to, besides its subject and time. */
export interface SignedRequest {
  method: string;
  /** The request target as the service sees it: path and query. */
  path: string;
  /** base64url SHA-256 of the body; of the empty string when there is none. */
  bodyDigest: string;
}

/** How old (and how far in the future: clock slack) a signature may be. */
export interface SignatureWindow {
  maxAgeMs: number;
  maxFutureMs: number;
}

export const DEFAULT_SIGNATURE_WINDOW: SignatureWindow = { maxAgeMs: 10_000, maxFutureMs: 2_000 };

export function bodyDigest(body: Buffer | string | undefined): string {
  return createHash('sha256').update(body ?? '').digest('base64url');
}

export const EMPTY_BODY_DIGEST = bodyDigest(undefined);

function mac(secret: string, subject: string, ts: number, request: SignedRequest): string {
  return createHmac('sha256', secret)
    .update(`${subject}\n${ts}\n${request.method.toUpperCase()}\n${request.path}\n${request.bodyDigest}`)
    .digest('base64url');
}

export function sign(secret: string, subject: string, request: SignedRequest, now = Date.now()): string {
  return `${now}.${mac(secret, subject, now, request)}`;
}

/** Whether `signature` is a fresh, valid signature of `subject` for this request. */
export function verify(
  secret: string,
  subject: string,
  signature: string | undefined,
  request: SignedRequest,
  window: SignatureWindow = DEFAULT_SIGNATURE_WINDOW,
  now = Date.now(),
): boolean {
  if (!signature) return false;
  const dot = signature.indexOf('.');
  const ts = Number(signature.slice(0, dot));
  if (dot < 1 || !Number.isSafeInteger(ts) || now - ts > window.maxAgeMs || ts - now > window.maxFutureMs) return false;
  const expected = Buffer.from(mac(secret, subject, ts, request));
  const given = Buffer.from(signature.slice(dot + 1));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The headers the gateway adds for a verified user, for this exact request. */
export function identityHeaders(secret: string, userId: number, request: SignedRequest, now = Date.now()): Record<string, string> {
  return {
    [USER_ID_HEADER]: String(userId),
    [USER_SIG_HEADER]: sign(secret, String(userId), request, now),
    [BODY_DIGEST_HEADER]: request.bodyDigest,
  };
}

/** The user id the headers carry when signed with `secret` for this request; null when absent, forged, stale or for another request. */
export function verifiedUserId(
  secret: string | undefined,
  id: string | undefined,
  signature: string | undefined,
  request: SignedRequest,
  window: SignatureWindow = DEFAULT_SIGNATURE_WINDOW,
): number | null {
  if (!secret || id === undefined || !/^[1-9]\d{0,15}$/.test(id)) return null;
  return verify(secret, id, signature, request, window) ? Number(id) : null;
}

/** What a received request claims to be, for verify(): the body digest is the one it announces (checked against the bytes by signedBodyHooks). */
export function signedRequestOf(request: FastifyRequest): SignedRequest {
  const digest = request.headers[BODY_DIGEST_HEADER];
  return { method: request.method, path: request.url, bodyDigest: typeof digest === 'string' ? digest : EMPTY_BODY_DIGEST };
}

const digests = new WeakMap<FastifyRequest, { hash: ReturnType<typeof createHash> }>();

/**
 * The body half of a signature: a signature is checked when the request
 * arrives (before its body), against the digest the request announces; these
 * hooks hash the bytes as they are read and refuse the request (401, before
 * any handler) when they are not the bytes that were signed.
 */
export const signedBodyHooks = {
  preParsing: (request: FastifyRequest, reply: FastifyReply, payload: RequestPayload, done: (err: Error | null, stream?: RequestPayload) => void): void => {
    if (request.headers[BODY_DIGEST_HEADER] === undefined) return done(null, payload);
    const state = { hash: createHash('sha256') };
    digests.set(request, state);
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        state.hash.update(chunk);
        callback(null, chunk);
      },
    });
    payload.on('error', (err: Error) => tap.destroy(err));
    // Answered before the body was read (a 415 with no parser, a handler that threw first): nobody reads the
    // tap, its backpressure stops the socket, and the next request on that kept-alive connection (a gateway's
    // pooled one) hangs. Once answered, what is left of the body is drained and dropped.
    reply.raw.once('finish', () => {
      if (!tap.readableEnded) tap.resume();
    });
    done(null, payload.pipe(tap) as Transform & RequestPayload);
  },
  preValidation: (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void => {
    const announced = request.headers[BODY_DIGEST_HEADER];
    if (announced === undefined) return done();
    const state = digests.get(request);
    // No body was parsed (none sent): only the empty digest is honest.
    const actual = state && request.body !== undefined ? state.hash.digest('base64url') : EMPTY_BODY_DIGEST;
    done(actual === announced ? undefined : errors.tokenInvalid());
  },
};
