import { sql, type Generated, type Kysely } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import type { IdentityTables, UserRow } from './users.store.js';

export interface RefreshTokensTable {
  id: Generated<number>;
  user_id: number;
  /** One sign-in's chain of rotations; reuse of a rotated token revokes all of it. */
  family_id: string;
  /** SHA-256 of the token, hex. The token itself is never stored. */
  token_hash: string;
  /** The user's token_version at issue: a password change (which bumps it) ends the row. */
  token_version: number;
  created_at: Generated<Date>;
  expires_at: Date;
  /** Set when the token was rotated (single use); a second use is reuse. */
  used_at: Date | null;
  replaced_by: number | null;
  revoked_at: Date | null;
}

export interface RefreshTokenTables extends IdentityTables {
  'identity.refresh_tokens': RefreshTokensTable;
}

export interface RefreshTokenRow {
  id: number;
  user_id: number;
  family_id: string;
  token_version: number;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

export interface NewRefreshToken {
  userId: number;
  familyId: string;
  tokenHash: string;
  tokenVersion: number;
  ttlSeconds: number;
}

/** Data access for identity.refresh_tokens. Every state change is one conditional statement, so concurrent callers cannot both win. */
export class RefreshTokensStore {
  readonly db: Kysely<RefreshTokenTables>;

  constructor(database: Database) {
    this.db = database.as<RefreshTokenTables>();
  }

  async insert(db: Kysely<RefreshTokenTables>, token: NewRefreshToken): Promise<number> {
    const row = await db
      .insertInto('identity.refresh_tokens')
      .values({
        user_id: token.userId,
        family_id: token.familyId,
        token_hash: token.tokenHash,
        token_version: token.tokenVersion,
        expires_at: sql<Date>`now() + make_interval(secs => ${token.ttlSeconds})`,
        used_at: null,
        replaced_by: null,
        revoked_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /**
   * Marks the token used if, and only if, it is live: unused, unrevoked, unexpired, of its user's current token
   * version. Returns the token's row and its user, or undefined when it was not live (or another caller won the race:
   * under READ COMMITTED the loser's update waits for the winner's commit and then finds `used_at` set).
   */
  async claim(db: Kysely<RefreshTokenTables>, tokenHash: string): Promise<{ token: RefreshTokenRow; user: UserRow } | undefined> {
    const claimed = await db
      .updateTable('identity.refresh_tokens')
      .set({ used_at: sql<Date>`now()` })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('identity.users as u')
            .select('u.id')
            .whereRef('u.id', '=', 'identity.refresh_tokens.user_id')
            .whereRef('u.token_version', '=', 'identity.refresh_tokens.token_version'),
        ),
      )
      .returning(['id', 'user_id', 'family_id', 'token_version', 'expires_at', 'used_at', 'revoked_at'])
      .executeTakeFirst();
    if (!claimed) return undefined;
    const user = await db.selectFrom('identity.users').selectAll().where('id', '=', claimed.user_id).executeTakeFirst();
    if (!user) return undefined;
    return { token: normalize(claimed), user };
  }

  async setReplacedBy(db: Kysely<RefreshTokenTables>, id: number, replacedBy: number): Promise<void> {
    await db.updateTable('identity.refresh_tokens').set({ replaced_by: replacedBy }).where('id', '=', id).execute();
  }

  async byHash(tokenHash: string): Promise<RefreshTokenRow | undefined> {
    const row = await this.db
      .selectFrom('identity.refresh_tokens')
      .select(['id', 'user_id', 'family_id', 'token_version', 'expires_at', 'used_at', 'revoked_at'])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row ? normalize(row) : undefined;
  }

  /**
   * Revokes every live token of one family (reuse of a rotated token, a logout) or of one user (a password
   * change): one conditional update; how many were still live.
   */
  async revokeWhere(scope: { familyId: string } | { userId: number }): Promise<number> {
    const result = await this.db
      .updateTable('identity.refresh_tokens')
      .set({ revoked_at: sql<Date>`now()` })
      .where((eb) => ('familyId' in scope ? eb('family_id', '=', scope.familyId) : eb('user_id', '=', scope.userId)))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Deletes expired rows and revoked ones. A used (rotated) row is kept until it expires: it is what recognizes a
   * replay of that token and revokes its family.
   */
  async prune(): Promise<number> {
    const result = await this.db
      .deleteFrom('identity.refresh_tokens')
      .where((eb) => eb.or([eb('expires_at', '<', sql<Date>`now()`), eb('revoked_at', 'is not', null)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function normalize<T extends { id: number; user_id: number }>(row: T): T {
  // bigint columns may come back as strings from Postgres.
  return { ...row, id: Number(row.id), user_id: Number(row.user_id) };
}
