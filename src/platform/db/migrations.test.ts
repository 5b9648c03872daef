import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { cliEntry, spawnScript } from '../../testing/cli-process.js';
import { dbTargets } from '../../testing/db-targets.js';
import { busMigrations } from '../bus/migrations.js';
import type { Database } from './database.js';
import { runMigrations, type ServiceMigrations } from './migrations.js';
import { openDatabase } from './open-database.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;

const widgets: ServiceMigrations = {
  service: 'widgets',
  schema: 'widgets',
  migrations: [{ version: 1, name: 'widgets', statements: ['create table widgets.widget (id serial primary key)'] }],
};

async function appliedVersions(db: Database): Promise<{ service: string; version: number }[]> {
  const { rows } = await sql<{ service: string; version: number }>`select service, version from platform.migrations order by service, version`
    .execute(db.as<Record<string, never>>());
  return rows;
}

test('migrations: four migrators starting at once on fresh databases all succeed, each version applied once', { ...postgres.options, timeout: 120_000 }, async () => {
  // The collision is a race on the very first statements (create schema / create table): try several fresh databases.
  for (let round = 0; round < 6; round++) {
    const url = await postgres.create();
    const handles = await Promise.all(Array.from({ length: 4 }, () => openDatabase({ url, dataDir: 'memory://', poolMax: 1 })));
    try {
      const results = await Promise.allSettled(handles.map((db) => runMigrations(db, [busMigrations, widgets])));
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
      assert.deepEqual(failures, [], `round ${round}: every migrator succeeds`);
      const applied = results.map((r) => (r.status === 'fulfilled' ? r.value : -1));
      const total = busMigrations.migrations.length + widgets.migrations.length;
      assert.equal(applied.reduce((s, n) => s + n, 0), total, `round ${round}: each migration applied by exactly one migrator (${applied})`);
      assert.deepEqual(await appliedVersions(handles[0]!), [
        ...busMigrations.migrations.map((m) => ({ service: 'platform', version: m.version })),
        { service: 'widgets', version: 1 },
      ]);
    } finally {
      await Promise.all(handles.map((db) => db.close()));
      await postgres.drop(url);
    }
  }
});

test('migrations: two `scalestack migrate` processes at once on a fresh database both exit 0', { ...postgres.options, timeout: 120_000 }, async () => {
  const url = await postgres.create();
  try {
    const children = await Promise.all([0, 1].map(() => spawnScript(cliEntry(), ['migrate'], { env: { DATABASE_URL: url } })));
    const exits = await Promise.all(children.map((c) => c.exited));
    exits.forEach((exit, i) => assert.deepEqual(exit, { code: 0, signal: null }, children[i]!.output()));
    const counts = children.map((c) => Number(/applied (\d+) migration/.exec(c.output())?.[1] ?? NaN));
    const db = await openDatabase({ url, dataDir: 'memory://', poolMax: 1 });
    try {
      const versions = await appliedVersions(db);
      assert.equal(counts[0]! + counts[1]!, versions.length, `each migration applied by one process (${counts})`);
      assert.equal(new Set(versions.map((v) => `${v.service}:${v.version}`)).size, versions.length);
    } finally {
      await db.close();
    }
  } finally {
    await postgres.drop(url);
  }
});
