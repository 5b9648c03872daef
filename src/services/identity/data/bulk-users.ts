import { sql } from 'kysely';
import type { Database } from '../../../platform/db/database.js';

export interface BulkUser {
  username: string;
  email: string;
}

/**
 * Inserts many users in batches of one statement each, all with the same
 * (already hashed) password: how `scalestack seed --bulk` makes 100,000
 * users in seconds instead of hashing each one. Returns their ids, in order.
 */
export async function insertUsersInBulk(
  database: Database,
  users: readonly BulkUser[],
  passwordHash: string,
  onBatch: (inserted: number) => void = () => {},
  batch = 5000,
): Promise<number[]> {
  const db = database.as<object>();
  const ids: number[] = [];
  for (let i = 0; i < users.length; i += batch) {
    const slice = users.slice(i, i + batch);
    const { rows } = await sql<{ id: number }>`
      insert into identity.users (username, email, password_hash)
      select u.username, u.email, ${passwordHash}
      from unnest(${slice.map((u) => u.username)}::text[], ${slice.map((u) => u.email)}::text[]) with ordinality as u(username, email, n)
      order by u.n
      returning id`.execute(db);
    ids.push(...rows.map((r) => Number(r.id)));
    onBatch(slice.length);
  }
  return ids;
}
