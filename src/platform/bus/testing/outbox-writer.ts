/**
 * Child process of outbox.test.ts. MODE=commit: commits a change with its
 * event in the outbox, then SIGKILLs itself before any relay could publish.
 * MODE=rollback: writes a change and an event, then rolls back.
 */
import { sql } from 'kysely';
import { openDatabase } from '../../db/open-database.js';
import { runMigrations } from '../../db/migrations.js';
import { busMigrations } from '../migrations.js';
import { addToOutbox } from '../outbox.js';

const db = await openDatabase({ url: process.env['DATABASE_URL'], dataDir: process.env['DATA_DIR'] ?? './.data', poolMax: 1 });
await runMigrations(db, [busMigrations]);
const k = db.as<Record<string, never>>();
await sql`create table if not exists public.widgets (id text primary key)`.execute(k);

if (process.env['MODE'] === 'rollback') {
  await k.transaction().execute(async (trx) => {
    await sql`insert into public.widgets values ('rolled-back')`.execute(trx);
    await addToOutbox(trx, [{ topic: 'widget.created', key: 'rolled-back', id: 'evt-rollback', payload: { id: 'rolled-back' } }]);
    throw new Error('business rule failed after the event was written');
  }).catch(() => {});
  await db.close();
  process.stdout.write('rolled back\n');
} else {
  await k.transaction().execute(async (trx) => {
    await sql`insert into public.widgets values ('w1')`.execute(trx);
    await addToOutbox(trx, [{ topic: 'widget.created', key: 'w1', id: 'evt-commit', payload: { id: 'w1' } }]);
  });
  process.stdout.write('committed\n');
  process.kill(process.pid, 'SIGKILL');
}
