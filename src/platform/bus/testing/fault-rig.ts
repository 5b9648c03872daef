import { sql } from 'kysely';
import type { Database } from '../../db/database.js';
import { runMigrations } from '../../db/migrations.js';
import { busMigrations } from '../migrations.js';
import { applyOnce } from '../inbox.js';
import { addToOutbox } from '../outbox.js';
import type { Bus } from '../port.js';

type Any = Record<string, never>;

/** The fault tests' effect: one row per application, so a duplicate shows as count(*) > count(distinct). */
export async function prepare(db: Database): Promise<void> {
  await runMigrations(db, [busMigrations]);
  await sql`create table if not exists public.effects (event_id text not null, applied_at timestamptz not null default now())`.execute(db.as<Any>());
}

export async function fillOutbox(db: Database, topic: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    await db.as<Any>().transaction().execute(async (trx) => {
      const events = Array.from({ length: Math.min(1000, count - start) }, (_, i) => ({ topic, key: `k${(start + i) % 64}`, id: `${topic}-${start + i}`, payload: { n: start + i } }));
      await addToOutbox(trx, events);
    });
  }
}

export function consumeIntoEffects(bus: Bus, db: Database, topic: string, group: string) {
  return bus.subscribe(topic, group, async (d) => {
    await applyOnce(db.as<Any>(), group, d.id, async (trx) => {
      await sql`insert into public.effects (event_id) values (${d.id})`.execute(trx);
    });
  }, { concurrency: 16, maxAttempts: 1000 });
}

export async function countEffects(db: Database): Promise<{ total: number; distinct: number }> {
  const { rows } = await sql<{ total: number; distinct: number }>`select count(*)::int as total, count(distinct event_id)::int as distinct from public.effects`.execute(db.as<Any>());
  return rows[0]!;
}
