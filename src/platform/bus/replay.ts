import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { addJobToOutbox, addToOutbox } from './outbox.js';
import { SENT_AT_HEADER } from '../metrics/bus-metrics.js';

/**
 * Brokers that deduplicate by message id (NATS Nats-Msg-Id) would swallow a
 * replay carrying the original id; this header gives the replay its own
 * broker-level id while the event id (what inboxes dedupe on) stays the same.
 */
export const DEDUP_ID_HEADER = 'scalestack-dedup-id';

interface Letter {
  id: number;
  message_id: string;
  kind: 'event' | 'job';
  topic: string;
  key: string;
  payload: unknown;
  headers: Record<string, string>;
  replayed_at: Date | null;
}

/**
 * Sends a dead letter back by writing it to the outbox in the same
 * transaction that marks it replayed: the relay of any running process
 * publishes it (so this works from the CLI, embedded or not), and it is
 * replayed once however many times the command runs. An event goes to its
 * topic (groups that had handled it skip it in their inbox), a job to its queue.
 */
export async function replayDeadLetter(database: Database, id: number): Promise<'replayed' | 'not-found' | 'already-replayed'> {
  const db = database.as<Record<string, never>>();
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<Letter>`select id, message_id, kind, topic, key, payload, headers, replayed_at
      from platform.dead_letters where id = ${id} for update`.execute(trx);
    const letter = rows[0];
    if (!letter) return 'not-found';
    if (letter.replayed_at) return 'already-replayed';
    // Without the first send's time: a replay's consumer lag counts from the replay (else old letters would set off ConsumerLagHigh).
    const kept = Object.fromEntries(Object.entries(letter.headers).filter(([name]) => name !== SENT_AT_HEADER));
    const headers = { ...kept, [DEDUP_ID_HEADER]: `${letter.message_id}:replay:${letter.id}` };
    if (letter.kind === 'event') {
      await addToOutbox(trx, [{ topic: letter.topic, key: letter.key, id: letter.message_id, payload: letter.payload, headers }]);
    } else {
      await addJobToOutbox(trx, letter.topic, letter.payload, { id: `${letter.message_id}:replay:${letter.id}`, headers });
    }
    await sql`update platform.dead_letters set replayed_at = now() where id = ${id}`.execute(trx);
    return 'replayed';
  });
}
