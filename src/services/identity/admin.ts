import { addToOutbox } from '../../platform/bus/outbox.js';
import type { Database } from '../../platform/db/database.js';
import { canonicalIdentifier } from '../../platform/text/identifiers.js';
import { UsersStore, type IdentityTables } from './data/users.store.js';
import { userDeletedEvent } from './domain/users.js';

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
