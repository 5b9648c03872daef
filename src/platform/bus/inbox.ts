import { sql, type Kysely, type Transaction } from 'kysely';

/**
 * Applies an event's effect at most once per consumer: the event id is
 * recorded in platform.inbox in the same transaction as the effect, so a
 * redelivery (broker retry, relay re-send, DLQ replay) finds the id and
 * does nothing, and a crash before commit leaves neither. Returns whether
 * the effect ran. A concurrent duplicate waits on the primary key and then
 * skips.
 */
export async function applyOnce<Tables>(
  db: Kysely<Tables>,
  consumer: string,
  eventId: string,
  effect: (trx: Transaction<Tables>) => Promise<void>,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ event_id: string }>`insert into platform.inbox (consumer, event_id) values (${consumer}, ${eventId})
      on conflict do nothing returning event_id`.execute(trx);
    if (rows.length === 0) return false;
    await effect(trx);
    return true;
  });
}
