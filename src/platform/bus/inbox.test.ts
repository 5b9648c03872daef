import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dbTargets } from '../../testing/db-targets.js';
import { openDatabase } from '../db/open-database.js';
import { runMigrations } from '../db/migrations.js';
import { busMigrations } from './migrations.js';
import { applyOnce } from './inbox.js';

type Any = Record<string, never>;

for (const target of await dbTargets()) {
  test(`inbox (${target.name}): an event id is applied once per consumer; a failed effect leaves no trace`, target.options, async () => {
    const url = await target.create();
    const db = await openDatabase({ url, dataDir: 'memory://', poolMax: 8 });
    try {
      await runMigrations(db, [busMigrations]);
      const k = db.as<Any>();
      await sql`create table public.effects (event_id text not null)`.execute(k);
      const effect = (id: string) => applyOnce(k, 'c1', id, async (trx) => void (await sql`insert into public.effects values (${id})`.execute(trx)));
      // Concurrent duplicates: the second waits on the primary key, then skips.
      const results = await Promise.all([effect('e1'), effect('e1'), effect('e1')]);
      assert.deepEqual(results.filter(Boolean).length, 1);
      assert.equal(await applyOnce(k, 'c2', 'e1', async () => {}), true, 'another consumer applies it too');
      await assert.rejects(applyOnce(k, 'c1', 'e2', async () => { throw new Error('effect failed'); }));
      assert.equal(await effect('e2'), true, 'the failed attempt recorded nothing, so the redelivery applies it');
      const { rows } = await sql<{ event_id: string }>`select event_id from public.effects order by 1`.execute(k);
      assert.deepEqual(rows.map((r) => r.event_id), ['e1', 'e2']);
    } finally {
      await db.close();
      await target.drop(url);
    }
  });
}
