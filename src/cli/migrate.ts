import { loadConfig } from '../platform/config/load-config.js';
import { openDatabase } from '../platform/db/open-database.js';
import { runMigrations } from '../platform/db/migrations.js';
import { migrationsFor } from '../platform/runtime/migrations-for.js';
import { allServices } from '../services/registry.js';

/** `scalestack migrate`: apply pending migrations (what `start` does first) and exit. */
export async function migrate(): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 1, preparedStatements: config.DATABASE_PREPARED_STATEMENTS });
  try {
    const applied = await runMigrations(db, migrationsFor(allServices));
    process.stdout.write(`applied ${applied} migration(s) on ${db.driver}\n`);
  } finally {
    await db.close();
  }
}
