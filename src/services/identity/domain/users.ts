import { errors } from '../../../platform/errors/catalog.js';
import type { TokenService } from '../../../platform/auth/tokens.js';
import type { Outbox } from '../../../platform/bus/platform-bus.js';
import { USER_DELETED, type UserDeletedEvent } from '../../../contracts/identity.js';
import { collidedField, type IdentityTables, type UserChanges, type UserRow, type UsersStore } from '../data/users.store.js';
import type { ProfileCache } from '../data/profile-cache.js';
import type { PasswordHasher } from './passwords.js';
import type { RefreshTokens } from './refresh-tokens.js';
import { canonicalEmail, canonicalUsername, checkEmail, checkPassword, checkPresent, checkUsername, emptyToNull, throwIfAny } from './user-rules.js';

export interface AuthenticatedUser {
  user: UserRow;
  token: string;
  /** A new refresh token (sign-in, registration, password change, refresh); absent on other answers. */
  refreshToken?: string | undefined;
}

export interface RegisterInput {
  username: string;
  email: string;
  password: string;
}

export interface UpdateInput {
  email?: string | null | undefined;
  username?: string | null | undefined;
  password?: string | null | undefined;
  bio?: string | null | undefined;
  image?: string | null | undefined;
}

/** Registration, login and account updates. Knows nothing of HTTP. */
export class UsersDomain {
  constructor(
    private readonly store: UsersStore,
    private readonly profiles: ProfileCache,
    private readonly passwords: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly outbox: Outbox,
    private readonly refreshTokens: RefreshTokens,
  ) {}

  async register(input: RegisterInput): Promise<AuthenticatedUser> {
    const problems: Record<string, string[]> = {};
    checkUsername(problems, input.username);
    checkEmail(problems, input.email);
    checkPassword(problems, input.password);
    throwIfAny(problems);

    const username = canonicalUsername(input.username);
    const email = canonicalEmail(input.email);
    await this.rejectTaken({ email, username });
    const password_hash = await this.passwords.hash(input.password);
    const user = await this.store.insert({ email, username, password_hash }).catch((err: unknown) => {
      throw takenError(err);
    });
    return this.signedIn(user);
  }

  async login(email: string, password: string): Promise<AuthenticatedUser> {
    const problems: Record<string, string[]> = {};
    checkPresent(problems, 'email', email);
    checkPresent(problems, 'password', password);
    throwIfAny(problems);

    const user = await this.store.byEmail(canonicalEmail(email));
    if (!user) {
      await this.passwords.burn(password);
      throw errors.badCredentials();
    }
    if (!(await this.passwords.verify(user.password_hash, password))) throw errors.badCredentials();
    return this.signedIn(user);
  }

  /** The account behind a verified token; a token for a user that no longer exists is invalid. */
  async current(userId: number): Promise<AuthenticatedUser> {
    const user = await this.store.byId(userId);
    if (!user) throw errors.tokenInvalid();
    return { user, token: await this.tokens.sign(user.id, user.token_version, user.roles) };
  }

  async update(userId: number, input: UpdateInput): Promise<AuthenticatedUser> {
    const problems: Record<string, string[]> = {};
    if (input.username !== undefined) checkUsername(problems, input.username);
    if (input.email !== undefined) checkEmail(problems, input.email);
    if (input.password !== undefined) checkPassword(problems, input.password);
    throwIfAny(problems);

    const changes: UserChanges = {};
    if (input.username) changes.username = canonicalUsername(input.username);
    if (input.email) changes.email = canonicalEmail(input.email);
    if (input.bio !== undefined) changes.bio = emptyToNull(input.bio) ?? null;
    if (input.image !== undefined) changes.image = emptyToNull(input.image) ?? null;
    await this.rejectTaken({ email: changes.email, username: changes.username }, userId);
    if (input.password) changes.password_hash = await this.passwords.hash(input.password);

    const before = await this.store.byId(userId);
    if (!before) throw errors.tokenInvalid();
    const user = await this.store.update(userId, changes).catch((err: unknown) => {
      throw takenError(err);
    });
    if (!user) throw errors.tokenInvalid();
    await this.profiles.written(user, before.username);
    if (changes.password_hash === undefined) return { user, token: await this.tokens.sign(user.id, user.token_version, user.roles) };
    // A new password ends every session: the token version bump refuses older access and refresh tokens alike;
    // their rows are also marked revoked (for the pruning). The answer carries a new pair, as a sign-in does.
    await this.refreshTokens.revokeAll(user.id);
    return this.signedIn(user);
  }

  /** An access token and the first refresh token of a new family. */
  private async signedIn(user: UserRow): Promise<AuthenticatedUser> {
    const [token, refreshToken] = await Promise.all([this.tokens.sign(user.id, user.token_version, user.roles), this.refreshTokens.issue(user)]);
    return { user, token, refreshToken };
  }

  /**
   * Deletes the account and, in the same transaction, the user-deleted event (outbox): other services
   * remove the user's data when it arrives. The user's tokens are refused from the moment this returns
   * (the standing entry is dropped here; everywhere else the check asks identity for writes).
   */
  async delete(userId: number): Promise<void> {
    const row = await this.store.db.transaction().execute(async (trx) => {
      const deleted = await this.store.delete(trx, userId);
      if (deleted) await this.outbox.add<IdentityTables>(trx, [userDeletedEvent(deleted)]);
      return deleted;
    });
    if (!row) throw errors.tokenInvalid();
    this.outbox.wake();
    await this.profiles.deleted(row.id, row.username);
  }

  private async rejectTaken(fields: { email?: string | undefined; username?: string | undefined }, exceptId?: number) {
    const taken = await this.store.takenBy(fields, exceptId);
    if (taken.length > 0) throw errors.taken(...taken);
  }
}

export function userDeletedEvent(user: Pick<UserRow, 'id' | 'username'>) {
  const payload: UserDeletedEvent = { userId: user.id, username: user.username };
  return { topic: USER_DELETED, key: String(user.id), payload };
}

/** A unique violation from a concurrent write becomes the same 409 the pre-check gives. */
function takenError(err: unknown): unknown {
  const field = collidedField(err);
  return field ? errors.taken(field) : err;
}
