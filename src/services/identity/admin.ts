import { addToOutbox } from '../../platform/bus/outbox.js';
import type { Database } from '../../platform/db/database.js';
import { canonicalIdentifier } from '../../platform/text/identifiers.js';
import { UsersStore, type IdentityTables } from './data/users.store.js';
import { userDeletedEvent } from './domain/users.js';
import { USER_ROLES_CHANGED, type UserRolesChangedEvent } from '../../contracts/identity.js';

/**
 * The operator's way to delete an account (`scalestack users delete <username>`):
 * the row and the user-deleted event in one transaction, like DELETE /api/user.
 * The running system's outbox relay publishes the event (at its next start on
 * PGlite, which one process opens at a time); identity drops the user from its
 * cache and social removes their content when it arrives. Null: no such user.
 */
export async function deleteUserByUsername(database: Database, username: string): Promise<{ id: number; username: string } | null> {
  const store = new UsersStore(database);
  const user = await store.byUsername(canonicalIdentifier(username));
  if (!user) return null;
  return store.db.transaction().execute(async (trx) => {
    const row = await store.delete(trx, user.id);
    if (!row) return null;
    await addToOutbox<IdentityTables>(trx, [userDeletedEvent(row)]);
    return { id: row.id, username: row.username };
  });
}

/**
 * The operator's way to make an admin (`scalestack users grant-admin <email>`): never an open endpoint. The role
 * and the roles-changed event in one transaction; identity drops its cached standing on the event. The user's
 * next request (any token of theirs) is checked against the new roles; a new sign-in also gets them in its token.
 * Null: no user with that email.
 */
export async function grantAdminByEmail(database: Database, email: string): Promise<{ id: number; username: string; roles: string[] } | null> {
  const store = new UsersStore(database);
  const user = await store.byEmail(canonicalIdentifier(email));
  if (!user) return null;
  return store.db.transaction().execute(async (trx) => {
    const row = await store.addRole(trx, user.id, 'admin');
    if (!row) return null;
    const payload: UserRolesChangedEvent = { userId: row.id };
    await addToOutbox<IdentityTables>(trx, [{ topic: USER_ROLES_CHANGED, key: String(row.id), payload }]);
    return { id: row.id, username: row.username, roles: row.roles };
  });
}
