import { decodeJwt } from 'jose';
import { LRUCache } from 'lru-cache';
import type { TokenService, VerifiedToken } from './tokens.js';

export interface VerifiedTokenCacheOptions {
  /** Bound in bytes of the tokens kept (each counted as its length + a fixed overhead). */
  maxBytes?: number;
  /** How long a verification is reused at most, whatever the token's own expiry. */
  maxAgeMs?: number;
  now?: () => number;
}

const ENTRY_OVERHEAD_BYTES = 96;

/**
 * Remembers tokens whose signature was verified, so a signed-in user's next
 * requests skip the HMAC and claim checks (most of a signed-in read's auth cost).
 * Only what is a pure function of the token is cached: an entry is never used
 * at or past the token's `exp`, nor longer than `maxAgeMs`. Revocation is not
 * this layer's job and is untouched: every request still asks the user check
 * (user exists, token version current), as before. Forged or expired tokens are
 * not kept, so they cannot crowd out good ones.
 */
export function withVerifiedTokenCache(tokens: TokenService, options: VerifiedTokenCacheOptions = {}): TokenService {
  const now = options.now ?? Date.now;
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const cache = new LRUCache<string, { verified: VerifiedToken; expiresAt: number }>({
    maxSize: options.maxBytes ?? 4 * 1024 * 1024,
    sizeCalculation: (_value, token) => token.length + ENTRY_OVERHEAD_BYTES,
  });
  return {
    ...tokens,
    verify: async (token) => {
      const hit = cache.get(token);
      if (hit && now() < hit.expiresAt) return hit.verified;
      if (hit) cache.delete(token);
      const verified = await tokens.verify(token);
      if (verified) {
        // Verified above, so `exp` is present and a number (requiredClaims); seconds since the epoch.
        const exp = decodeJwt(token).exp! * 1000;
        const expiresAt = Math.min(exp, now() + maxAgeMs);
        if (expiresAt > now()) cache.set(token, { verified, expiresAt });
      }
      return verified;
    },
  };
}
