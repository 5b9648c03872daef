/**
 * A new embedded database starts from a kept base: initialised (no initdb), and once a
 * process has migrated one from nothing, migrated too (no migration left to apply).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openDatabase } from './open-database.js';
import { migrationsKey, runMigrations, type ServiceMigrations } from './migrations.js';
import { startTestSystem } from '../../testing/test-system.js';
import { dbTargets } from '../../testing/db-targets.js';

const pglite = (await dbTargets()).find((t) => t.name === 'pglite')!;

const notes = (statements: string[]): ServiceMigrations[] => [{ service: 'notes', schema: 'notes', migrations: [{ version: 1, name: 'notes', statements }] }];
const v1 = notes(['create table notes.notes (id int primary key, text text not null)']);
const v2 = notes(['create table notes.notes (id int primary key, text text not null, pinned boolean not null default false)']);

async function migrate(migrations: ServiceMigrations[]) {
  const db = await openDatabase({ dataDir: 'memory://', poolMax: 1, schemaKey: migrationsKey(migrations) });
  const keptBefore = db.keepAsBase !== undefined;
  const applied = await runMigrations(db, migrations);
  if (applied > 0) await db.keepAsBase?.();
  return { db, applied, keptBefore };
}

describe('the migrated PGlite base', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scalestack-base-'));
    process.env['PGLITE_BASE_DIR'] = dir;
  });
  after(async () => {
    delete process.env['PGLITE_BASE_DIR'];
    await rm(dir, { recursive: true, force: true });
  });

  it('a second new database with the same migrations starts with them applied, and works', async () => {
    const first = await migrate(v1);
    await first.db.close();
    assert.equal(first.applied, 1);
    assert.equal(first.keptBefore, true, 'the first new database offers to be kept');

    const second = await migrate(v1);
    try {
      assert.equal(second.applied, 0, 'nothing left to apply');
      assert.equal(second.keptBefore, false, 'already kept: nothing to keep');
      await sql`insert into notes.notes (id, text) values (1, 'hello')`.execute(second.db.as());
      const { rows } = await sql<{ text: string }>`select text from notes.notes`.execute(second.db.as());
      assert.deepEqual(rows, [{ text: 'hello' }]);
    } finally {
      await second.db.close();
    }
  });

  it('changed migrations are a different base: applied from scratch, never the old schema', async () => {
    const changed = await migrate(v2);
    try {
      assert.equal(changed.applied, 1);
      await sql`insert into notes.notes (id, text, pinned) values (1, 'hello', true)`.execute(changed.db.as());
    } finally {
      await changed.db.close();
    }
  });

  it('a new data directory on disk starts from the base; one that holds a database is opened as it is', async () => {
    await migrate(v1).then(({ db }) => db.close());
    const dataDir = join(dir, 'data');
    const db = await openDatabase({ dataDir, poolMax: 1, schemaKey: migrationsKey(v1) });
    try {
      assert.equal(await runMigrations(db, v1), 0);
      await sql`insert into notes.notes (id, text) values (7, 'kept')`.execute(db.as());
    } finally {
      await db.close();
    }
    const reopened = await openDatabase({ dataDir, poolMax: 1, schemaKey: migrationsKey(v1) });
    try {
      assert.equal(reopened.keepAsBase, undefined);
      const { rows } = await sql<{ id: number }>`select id from notes.notes`.execute(reopened.as());
      assert.deepEqual(rows, [{ id: 7 }], 'the existing database, not a new one from the base');
    } finally {
      await reopened.close();
    }
  });

  it('a new database on disk with no base for its migrations has it made elsewhere (makeMigratedBase) and opens it; one with a base does not ask', async () => {
    const v3 = notes(['create table notes.notes (id int primary key, text text not null, tag text)']);
    let asked = 0;
    // What the CLI's child process does (`scalestack migrate --embedded-base`), here in process.
    const makeMigratedBase = async () => {
      asked++;
      await migrate(v3).then(({ db }) => db.close());
    };
    for (const name of ['data3a', 'data3b']) {
      const db = await openDatabase({ dataDir: join(dir, name), poolMax: 1, schemaKey: migrationsKey(v3), makeMigratedBase });
      try {
        assert.equal(db.keepAsBase, undefined, 'opened from the base made elsewhere: nothing to keep');
        assert.equal(await runMigrations(db, v3), 0, 'nothing left to apply');
        await sql`insert into notes.notes (id, text, tag) values (1, 'x', 'y')`.execute(db.as());
      } finally {
        await db.close();
      }
    }
    assert.equal(asked, 1, 'asked for the first new database only');
  });

  it('PGLITE_BASE=off keeps nothing and migrates every new database', async () => {
    process.env['PGLITE_BASE'] = 'off';
    const offDir = await mkdtemp(join(tmpdir(), 'scalestack-base-off-'));
    process.env['PGLITE_BASE_DIR'] = offDir;
    try {
      for (let i = 0; i < 2; i++) {
        const { db, applied } = await migrate(v1);
        await db.close();
        assert.equal(applied, 1);
      }
      assert.deepEqual(await readdir(offDir), []);
    } finally {
      delete process.env['PGLITE_BASE'];
      process.env['PGLITE_BASE_DIR'] = dir;
      await rm(offDir, { recursive: true, force: true });
    }
  });

  it('a system keeps its migrated database as the base: the next system on a new database applies nothing', async () => {
    const first = await startTestSystem(pglite);
    const appliedAt = async (db: typeof first.db) =>
      (await sql<{ at: string }>`select string_agg(service || version || ':' || applied_at, ',' order by service, version) as at from platform.migrations`.execute(db.as())).rows[0]?.at;
    let firstAt: string | undefined;
    try {
      firstAt = await appliedAt(first.db);
    } finally {
      await first.close();
    }
    const second = await startTestSystem(pglite);
    try {
      assert.ok(firstAt);
      assert.equal(await appliedAt(second.db), firstAt, "the second system's migrations are the first's, copied with its database");
      assert.equal((await second.api.post('/api/users', { user: { username: 'base1', email: 'base1@example.com', password: 'password-123' } })).status, 201);
    } finally {
      await second.close();
    }
  });
});
