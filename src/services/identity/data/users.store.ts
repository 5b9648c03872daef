import { sql, type Generated, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import { compileOnce } from '../../../platform/db/compile-once.js';
import type { Role } from '../../../contracts/identity.js';

interface UsersTable {
  id: Generated<number>;
  email: string;
  username: string;
  password_hash: string;
  bio: string | null;
  image: string | null;
  /** Bumped by a password change: tokens signed at an older version are refused. */
  token_version: Generated<number>;
  /** 'customer' always; 'admin' granted by the operator. */
  roles: Generated<Role[]>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

interface IdentityTables {
  'identity.users': UsersTable;
}

export type { IdentityTables };
export type UserRow = Selectable<UsersTable>;
export type UserChanges = Partial<Pick<UserRow, 'email' | 'username' | 'password_hash' | 'bio' | 'image'>>;

/** Postgres' unique_violation, raised when a concurrent write took the email or username first. */
const UNIQUE_VIOLATION = '23505';

export type UniqueField = 'email' | 'username';

/** Which unique field a failed insert/update collided on, or null when it was another error. */
export function collidedField(err: unknown): UniqueField | null {
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e?.code !== UNIQUE_VIOLATION) return null;
  const where = `${e.constraint ?? ''} ${e.message ?? ''}`;
  if (where.includes('users_email_key')) return 'email';
  if (where.includes('users_username_key')) return 'username';
  return null;
}

/** Data access for identity.users; the only code that writes SQL for identity. */
export class UsersStore {
  readonly db: Kysely<IdentityTables>;
  // Asked on every cache-off read (a page's authors; a signed-in request's standing): compiled once, not per call.
  private readonly profilesStatement;
  private readonly standingStatement;

  constructor(database: Database) {
    this.db = database.as<IdentityTables>();
    // An array parameter, not an `in` list: one statement text for every page size.
    this.profilesStatement = compileOnce(this.db, (ids: number[]) =>
      this.db.selectFrom('identity.users').select(['id', 'username', 'bio', 'image']).where(sql<boolean>`id = any(${ids}::bigint[])`),
    );
    this.standingStatement = compileOnce(this.db, (id: number) =>
      this.db.selectFrom('identity.users').select(['token_version', 'roles']).where('id', '=', id),
    );
  }

  async insert(user: Pick<UserRow, 'email' | 'username' | 'password_hash'>): Promise<UserRow> {
    return this.db.insertInto('identity.users').values(user).returningAll().executeTakeFirstOrThrow();
  }

  /** Deletes the user in `db` (the caller's transaction, which also writes the user-deleted event); the row, or undefined when there was none. */
  async delete(db: Kysely<IdentityTables>, id: number): Promise<UserRow | undefined> {
    return db.deleteFrom('identity.users').where('id', '=', id).returningAll().executeTakeFirst();
  }

  async byId(id: number): Promise<UserRow | undefined> {
    return this.db.selectFrom('identity.users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Adds `role` to the user's roles (a no-op when held) in `db`, the caller's transaction; the row, or undefined when no such user. */
  async addRole(db: Kysely<IdentityTables>, id: number, role: Role): Promise<UserRow | undefined> {
    return db
      .updateTable('identity.users')
      .set({ roles: sql<Role[]>`case when ${role} = any(roles) then roles else array_append(roles, ${role}::text) end` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /** The public profiles of `ids` (every list page asks for its authors': no hash, email or timestamps to send and parse). */
  async profilesByIds(ids: readonly number[]): Promise<Pick<UserRow, 'id' | 'username' | 'bio' | 'image'>[]> {
    if (ids.length === 0) return [];
    return this.profilesStatement([...ids]);
  }

  /** What a signed-in request is checked against (every one, with the cache off): the token version and roles only. */
  async standingOf(id: number): Promise<Pick<UserRow, 'token_version' | 'roles'> | undefined> {
    return (await this.standingStatement(id))[0];
  }

  async byIds(ids: readonly number[]): Promise<UserRow[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('identity.users').selectAll().where('id', 'in', [...ids]).execute();
  }

  async byEmail(email: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('identity.users')
      .selectAll()
      .where(sql<string>`lower(email)`, '=', email.toLowerCase())
      .executeTakeFirst();
  }

  async byUsername(username: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('identity.users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  /** Which of email/username another user already holds (case-insensitively). */
  async takenBy(fields: { email?: string | undefined; username?: string | undefined }, exceptId = 0): Promise<UniqueField[]> {
    if (fields.email === undefined && fields.username === undefined) return [];
    const rows = await this.db
      .selectFrom('identity.users')
      .select(['email', 'username'])
      .where('id', '!=', exceptId)
      .where((eb) =>
        eb.or([
          ...(fields.email !== undefined ? [eb(sql<string>`lower(email)`, '=', fields.email.toLowerCase())] : []),
          ...(fields.username !== undefined ? [eb(sql<string>`lower(username)`, '=', fields.username.toLowerCase())] : []),
        ]),
      )
      .execute();
    const taken: UniqueField[] = [];
    if (rows.some((r) => fields.username !== undefined && r.username.toLowerCase() === fields.username.toLowerCase())) taken.push('username');
    if (rows.some((r) => fields.email !== undefined && r.email.toLowerCase() === fields.email.toLowerCase())) taken.push('email');
    return taken;
  }

  /** A new password_hash also bumps token_version, revoking every token signed before. */
  async update(id: number, changes: UserChanges): Promise<UserRow | undefined> {
    return this.db
      .updateTable('identity.users')
      .set({
        ...changes,
        ...(changes.password_hash !== undefined ? { token_version: sql<number>`token_version + 1` } : {}),
        updated_at: sql`greatest(clock_timestamp(), updated_at + interval '1 millisecond')`,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }
}
