import { sql } from 'kysely';
import type { Database } from '../../db/database.js';
import { runMigrations } from '../../db/migrations.js';
import { busMigrations } from '../migrations.js';
import { applyOnce } from '../inbox.js';
import { addToOutbox } from '../outbox.js';
import type { Bus } from '../port.js';

type Any = Record<string, never>;

/**
 * The fault tests' effect: one row per application, so a duplicate shows as
 * count(*) > count(distinct). public.duplicates gets a row each time the
 * handler was given an event already applied (the inbox turned it into a
 * no-op): the proof that the fault did cause a redelivery to absorb.
 */
export async function prepare(db: Database): Promise<void> {
  await runMigrations(db, [busMigrations]);
  await sql`create table if not exists public.effects (event_id text not null, applied_at timestamptz not null default now())`.execute(db.as<Any>());
  await sql`create table if not exists public.duplicates (event_id text not null, attempt integer not null, seen_at timestamptz not null default now())`.execute(db.as<Any>());
}

/**
 * How long a handler lingers after its transaction committed, before the ack:
 * a fault then always finds deliveries that were applied but not yet
 * acknowledged, which the broker redelivers, the case the inbox exists for.
 * (A broker restart meets a consumer in full flow; a process kill may meet one
 * idle between the relay's batches: that test holds its acks instead, `holdAfter`.)
 */
const ACK_AFTER_MS = 15;

export interface EffectsOptions {
  /**
   * Once this process has applied that many events, each handler commits and then never acks, and
   * `onHold` is called once: the consumer stops with every delivery it holds applied but unacknowledged,
   * so a kill then is sure to leave the broker deliveries to redeliver that the inbox must absorb.
   */
  holdAfter?: number;
  onHold?: () => void;
}

export async function fillOutbox(db: Database, topic: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    await db.as<Any>().transaction().execute(async (trx) => {
      const events = Array.from({ length: Math.min(1000, count - start) }, (_, i) => ({ topic, key: `k${(start + i) % 64}`, id: `${topic}-${start + i}`, payload: { n: start + i } }));
      await addToOutbox(trx, events);
    });
  }
}

export function consumeIntoEffects(bus: Bus, db: Database, topic: string, group: string, options: EffectsOptions = {}) {
  let appliedHere = 0;
  let holding = false;
  return bus.subscribe(topic, group, async (d) => {
    const applied = await applyOnce(db.as<Any>(), group, d.id, async (trx) => {
      await sql`insert into public.effects (event_id) values (${d.id})`.execute(trx);
    });
    if (!applied) await sql`insert into public.duplicates (event_id, attempt) values (${d.id}, ${d.attempt})`.execute(db.as<Any>());
    if (applied && options.holdAfter !== undefined && ++appliedHere >= options.holdAfter) {
      if (!holding) options.onHold?.();
      holding = true;
    }
    if (holding) await new Promise(() => {}); // applied, never acked: until the process is killed
    await new Promise((r) => setTimeout(r, ACK_AFTER_MS));
  }, { concurrency: 16, maxAttempts: 1000 });
}

/** Deliveries of already-applied events (each one absorbed by the inbox), and how many of them the broker marked as redelivered. */
export async function countDuplicates(db: Database): Promise<{ deliveries: number; events: number; redeliveredFlag: number }> {
  const { rows } = await sql<{ deliveries: number; events: number; redeliveredFlag: number }>`select count(*)::int as deliveries,
    count(distinct event_id)::int as events, count(*) filter (where attempt > 1)::int as "redeliveredFlag" from public.duplicates`.execute(db.as<Any>());
  return rows[0]!;
}

export async function countEffects(db: Database): Promise<{ total: number; distinct: number }> {
  const { rows } = await sql<{ total: number; distinct: number }>`select count(*)::int as total, count(distinct event_id)::int as distinct from public.effects`.execute(db.as<Any>());
  return rows[0]!;
}
