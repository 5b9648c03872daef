import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config/load-config.js';
import { openDatabase } from '../platform/db/open-database.js';
import { migrationsKey, runMigrations } from '../platform/db/migrations.js';
import { pgliteBaseDir, pgliteBasesKept } from '../platform/db/pglite-base.js';
import { migrationsFor } from '../platform/runtime/migrations-for.js';
import { localServiceNames } from '../platform/runtime/topologies/remote-services.js';
import { allServices } from '../services/registry.js';
import { keptEmbeddedBase } from './embedded-base.js';

const HELP = `usage: scalestack migrate [--embedded-base]

  Applies the pending migrations of this process's services (every service, or SERVICES) and exits:
  what \`start\` does first.

  --embedded-base
      makes the embedded database's migrated base instead (an in-memory database, migrated, kept in
      PGLITE_BASE_DIR), so that a start on a new data directory opens it rather than running initdb and
      the migrations in the serving process; does nothing when it exists, or with DATABASE_URL set.
      \`npm start\` runs it before starting, and \`start\` runs it in a child process when it is missing.
`;

/** `scalestack migrate`: apply pending migrations (what `start` does first) and exit. */
export async function migrate(argv: string[] = []): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { 'embedded-base': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  let config;
  let local: string[];
  try {
    config = loadConfig();
    local = localServiceNames(config.SERVICES, allServices.map((s) => s.name));
  } catch (err) {
    // As `start` answers a bad setting: the message, not a stack (npm start runs this first).
    process.stderr.write(`scalestack: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const services = allServices.filter((s) => local.includes(s.name));
  const migrations = migrationsFor(services);
  const embeddedBase = values['embedded-base'] === true;
  if (embeddedBase) {
    if (config.DATABASE_URL) return void process.stdout.write('DATABASE_URL is set: no embedded database, no base to make\n');
    if (!pgliteBasesKept()) return void process.stdout.write('PGLITE_BASE=off: no base to make\n');
    const kept = keptEmbeddedBase(services);
    if (kept) return void process.stdout.write(`the embedded database's base for ${local.length} service(s) is kept in ${kept}: nothing to make\n`);
    process.stderr.write('making the embedded database\'s base: initdb and every migration, once per machine and version (a few seconds)\n');
  }
  const started = performance.now();
  const db = await openDatabase({
    url: embeddedBase ? undefined : config.DATABASE_URL,
    dataDir: embeddedBase ? 'memory://' : config.DATA_DIR,
    poolMax: 1,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
    schemaKey: migrationsKey(migrations),
  });
  try {
    const applied = await runMigrations(db, migrations);
    // As `start` does: the next new embedded database starts from this one, migrated.
    if (applied > 0) await db.keepAsBase?.();
    if (embeddedBase && !keptEmbeddedBase(services)) {
      // Keeping is best effort (pglite-base.ts): said here, so `start` does not take a base that is not there.
      process.stderr.write(`scalestack: the embedded database's base could not be kept in ${pgliteBaseDir()} (not writable?): a start on a new data directory runs initdb and the migrations itself\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(
      embeddedBase
        ? `embedded database base made for ${local.length} service(s) in ${Math.round(performance.now() - started)} ms\n`
        : `applied ${applied} migration(s) on ${db.driver}\n`,
    );
  } finally {
    await db.close();
  }
}
