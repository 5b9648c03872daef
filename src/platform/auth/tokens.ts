import { webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

/** What a verified token says: whose it is and which generation of the user's tokens it belongs to. */
export interface VerifiedToken {
  userId: number;
  /**
   * The user's token version when the token was signed (claim `ver`; 0 when absent,
   * as in tokens signed before versions existed). A password change bumps the
   * user's version, which revokes every token signed before it.
   */
  version: number;
  /** Claim `roles` as signed (for clients and the edge to read); routes check the user's current standing, not this. */
  roles: string[];
}

export interface TokenService {
  sign(userId: number, version?: number, roles?: readonly string[]): Promise<string>;
  /** Who the token was issued to, or null when forged, expired, without `exp`, or malformed. */
  verify(token: string): Promise<VerifiedToken | null>;
}

const ISSUER = 'scalestack';
/** HS256 with a shorter key is brute-forceable (RFC 7518 §3.2 asks for at least the hash size). */
export const MIN_SECRET_BYTES = 32;

/** HS256 JWTs (jose). The subject is the user id; nothing else is trusted from the token but its version. */
export function createTokenService(secret: string, ttlSeconds: number): TokenService {
  const raw = new TextEncoder().encode(secret);
  if (raw.length < MIN_SECRET_BYTES) throw new Error(`the JWT secret must be at least ${MIN_SECRET_BYTES} bytes (got ${raw.length})`);
  // Imported once, on first use: given the raw bytes, jose imports them (a WebCrypto job of its own) on every sign
  // and verify, which doubled a verify's cost (docs/perf/jwt-key-import.mts; figures in docs/perf/results.md,
  // "A JWT key imported once").
  let imported: Promise<webcrypto.CryptoKey> | undefined;
  const key = () => (imported ??= webcrypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']));
  return {
    sign: async (userId, version = 0, roles = ['customer']) =>
      new SignJWT({ ver: version, roles: [...roles] })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(String(userId))
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .sign(await key()),
    verify: async (token) => {
      try {
        // A token without `exp` would be valid forever: refused.
        const { payload } = await jwtVerify(token, await key(), { issuer: ISSUER, algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
        const userId = Number(payload.sub);
        const version = payload['ver'] ?? 0;
        if (!Number.isSafeInteger(userId) || userId <= 0 || typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) return null;
        const roles = Array.isArray(payload['roles']) ? payload['roles'].filter((r): r is string => typeof r === 'string') : ['customer'];
        return { userId, version, roles };
      } catch (err) {
        if (err instanceof joseErrors.JOSEError || err instanceof TypeError) return null;
        throw err;
      }
    },
  };
}

/** `Token <jwt>` (RealWorld) or `Bearer <jwt>`; anything else is not a token. */
export function tokenFromHeader(header: string | undefined): string | null | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:Token|Bearer) +(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
