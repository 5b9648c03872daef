import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from './database.js';

/** One versioned step of a service's schema. Statements run in order, in one transaction. */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export interface ServiceMigrations {
  service: string;
  /** The Postgres schema the service owns. */
  schema: string;
  migrations: Migration[];
}

interface MigrationTables {
  'platform.migrations': { service: string; version: number; name: string; applied_at: Date };
}

/** Names a set of migrations by content: equal keys, equal schemas (the migrated PGlite base is kept per key). */
export function migrationsKey(services: readonly ServiceMigrations[]): string {
  return createHash('sha256').update(JSON.stringify(services)).digest('hex').slice(0, 16);
}

/** One lock for every migrating process; taken before the first statement, since even `create schema if not exists` races. */
const lockMigrations = sql`select pg_advisory_xact_lock(hashtext('scalestack.migrations'))`;

/**
 * Applies every migration not yet applied, service by service. Safe to run
 * from many processes at once, on a fresh database too: an advisory lock
 * serialises them (from the very first `create schema`: two concurrent
 * `create … if not exists` collide on Postgres' catalog), and applied
 * versions are skipped, so running it twice changes nothing.
 */
export async function runMigrations(database: Database, services: ServiceMigrations[]): Promise<number> {
  const db = database.as<MigrationTables>();
  await db.transaction().execute(async (trx) => {
    await lockMigrations.execute(trx);
    await sql`create schema if not exists platform`.execute(trx);
    await sql`create table if not exists platform.migrations (
        service text not null, version integer not null, name text not null,
        applied_at timestamptz not null default now(), primary key (service, version))`.execute(trx);
  });

  // Read once, outside the lock: on a database that is up to date (every start but the first) no
  // migration then costs a transaction of its own. A version not seen here is checked again under the lock.
  const appliedBefore = new Set((await db.selectFrom('platform.migrations').select(['service', 'version']).execute()).map((r) => `${r.service}:${r.version}`));
  let applied = 0;
  for (const service of services) {
    assertOrdered(service);
    for (const migration of service.migrations) {
      if (appliedBefore.has(`${service.service}:${migration.version}`)) continue;
      const didApply = await db.transaction().execute(async (trx) => {
        await lockMigrations.execute(trx);
        const done = await trx
          .selectFrom('platform.migrations')
          .select('version')
          .where('service', '=', service.service)
          .where('version', '=', migration.version)
          .executeTakeFirst();
        if (done) return false;
        await sql`create schema if not exists ${sql.id(service.schema)}`.execute(trx);
        for (const statement of migration.statements) await sql.raw(statement).execute(trx);
        await trx
          .insertInto('platform.migrations')
          .values({ service: service.service, version: migration.version, name: migration.name, applied_at: new Date() })
          .execute();
        return true;
      });
      if (didApply) applied++;
    }
  }
  return applied;
}

function assertOrdered(service: ServiceMigrations): void {
  service.migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`${service.service}: migration ${m.name} has version ${m.version}, expected ${i + 1}`);
    }
  });
}

