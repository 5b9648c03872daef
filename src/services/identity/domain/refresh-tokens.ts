import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { errors } from '../../../platform/errors/catalog.js';
import type { TokenService } from '../../../platform/auth/tokens.js';
import type { RefreshTokensStore } from '../data/refresh-tokens.store.js';
import type { UserRow } from '../data/users.store.js';

/** 256 random bits, base64url (43 characters). */
const TOKEN_BYTES = 32;

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface RotatedSession {
  user: UserRow;
  token: string;
  refreshToken: string;
}

/**
 * Refresh tokens: opaque, single use, rotated on every refresh, in families (one per sign-in). Replaying a token
 * that was already rotated revokes its whole family (OAuth 2.0 Security BCP, RFC 9700 §4.14): either the client or
 * an attacker holds a stolen copy, and the server cannot tell which. Knows nothing of HTTP.
 */
export class RefreshTokens {
  constructor(
    private readonly store: RefreshTokensStore,
    private readonly tokens: TokenService,
    private readonly ttlSeconds: number,
  ) {}

  /** A new family for `user` (a sign-in, a registration, a password change): the refresh token to hand out. */
  async issue(user: Pick<UserRow, 'id' | 'token_version'>): Promise<string> {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    await this.store.insert(this.store.db, {
      userId: user.id,
      familyId: randomUUID(),
      tokenHash: hashRefreshToken(token),
      tokenVersion: user.token_version,
      ttlSeconds: this.ttlSeconds,
    });
    return token;
  }

  /**
   * Spends `presented` for a new access token and a new refresh token of the same family. Unknown, expired,
   * revoked, of an older token version, or already used: 401, and a used one also revokes its family.
   */
  async rotate(presented: string): Promise<RotatedSession> {
    const tokenHash = hashRefreshToken(presented);
    const next = randomBytes(TOKEN_BYTES).toString('base64url');
    const rotated = await this.store.db.transaction().execute(async (trx) => {
      const claimed = await this.store.claim(trx, tokenHash);
      if (!claimed) return undefined;
      const id = await this.store.insert(trx, {
        userId: claimed.user.id,
        familyId: claimed.token.family_id,
        tokenHash: hashRefreshToken(next),
        tokenVersion: claimed.user.token_version,
        ttlSeconds: this.ttlSeconds,
      });
      await this.store.setReplacedBy(trx, claimed.token.id, id);
      return claimed.user;
    });
    if (!rotated) {
      const row = await this.store.byHash(tokenHash);
      // Reuse: the token was rotated before. Whoever sent it, the family is no longer trusted.
      if (row && row.used_at !== null) await this.store.revokeWhere({ familyId: row.family_id });
      throw errors.refreshTokenInvalid();
    }
    return { user: rotated, token: await this.tokens.sign(rotated.id, rotated.token_version, rotated.roles), refreshToken: next };
  }

  /**
   * Signs out one session: revokes the family of `presented`, which must be the caller's. Another user's token, or
   * one that does not exist, is 404 alike (and is left as it was).
   */
  async logout(userId: number, presented: string): Promise<void> {
    const row = await this.store.byHash(hashRefreshToken(presented));
    if (!row || row.user_id !== userId) throw errors.notFound('refreshToken');
    await this.store.revokeWhere({ familyId: row.family_id });
  }

  /** Every family of the user (their password changed). */
  async revokeAll(userId: number): Promise<void> {
    await this.store.revokeWhere({ userId });
  }

  /** Expired and revoked rows (the retention cron). */
  async prune(): Promise<number> {
    return this.store.prune();
  }
}
