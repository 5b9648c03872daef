import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem } from '../../../testing/test-system.js';
import { eventually } from '../../../testing/order-fixtures.js';

type Any = Record<string, never>;

const pglite = (await dbTargets()).find((t) => t.name === 'pglite')!;

test('the retention cron deletes expired Idempotency-Key answers and keeps live ones', async () => {
  const sys = await startTestSystem(pglite, { BUS_RETENTION_EVERY_S: 1 });
  try {
    const db = sys.db.as<Any>();
    const row = (key: string, expires: string) =>
      sql`insert into orders.idempotency_keys (scope, key, fingerprint, state, status, expires_at) values ('u1 POST /api/orders', ${key}, 'f', 'done', 202, now() + ${expires}::interval)`.execute(db);
    await row('old', '-1 minute');
    await row('live', '1 hour');
    const keys = async () => (await sql<{ key: string }>`select key from orders.idempotency_keys order by key`.execute(db)).rows.map((r) => r.key);
    await eventually('the expired key pruned', async () => !(await keys()).includes('old'), 10_000);
    assert.deepEqual(await keys(), ['live']);
  } finally {
    await sys.close();
  }
});
