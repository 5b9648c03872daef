import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { cliEntry, spawnScript } from '../testing/cli-process.js';
import { dbTargets } from '../testing/db-targets.js';
import { openDatabase } from '../platform/db/open-database.js';
import { loadSeed } from '../loadgen/seed/seed-data.js';

/** The tables `seed --bulk` writes most of, which the feed and list queries plan on. */
const TABLES = [
  ['identity', 'users'],
  ['social', 'follows'],
  ['social', 'articles'],
  ['social', 'author_stats'],
] as const;

for (const target of await dbTargets()) {
  it(`seed --bulk (${target.name}): every table it wrote has planner statistics when it exits, from its own ANALYZE`, { ...target.options, timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scalestack-bulk-seed-'));
    const url = await target.create();
    try {
      const out = join(dir, 'seed.json');
      const seeding = await spawnScript(cliEntry(), ['seed', '--bulk', '--users', '400', '--articles', '300', '--top-followers', '60', '--sample', '5', '--out', out], {
        env: { DATA_DIR: join(dir, 'data'), DATABASE_URL: url, ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', LOG_LEVEL: 'warn' },
      });
      const exit = await seeding.exited;
      assert.equal(exit.code, 0, seeding.output());
      assert.match(seeding.output(), /analyze +\[#+\] 100%/, 'the step shows in the progress output');
      assert.ok((await loadSeed(out)).users.length >= 5, 'the seed file is written, with its sample');

      const database = await openDatabase({ url, dataDir: join(dir, 'data'), poolMax: 1 });
      try {
        if (target.name === 'postgres') {
          // A manual ANALYZE sets last_analyze; autovacuum's sets last_autoanalyze, so Postgres' own pass cannot stand in for it.
          const { rows } = await sql<{ schemaname: string; relname: string; n_live_tup: string | number; last_analyze: Date | null }>`
            select schemaname, relname, n_live_tup, last_analyze from pg_stat_user_tables
            where (schemaname, relname) in (${sql.join(TABLES.map(([s, t]) => sql`(${s}, ${t})`))})`.execute(database.as<object>());
          assert.equal(rows.length, TABLES.length, JSON.stringify(rows));
          for (const row of rows) {
            assert.notEqual(row.last_analyze, null, `${row.schemaname}.${row.relname} was not analyzed`);
            assert.ok(Number(row.n_live_tup) > 0, `${row.schemaname}.${row.relname}: the statistics count its rows`);
          }
        } else {
          // PGlite keeps no activity statistics across a restart and runs no autovacuum: column statistics
          // (pg_stats, from pg_statistic) are there only if this seed's ANALYZE wrote them.
          const { rows } = await sql<{ schemaname: string; tablename: string; columns: string | number }>`
            select schemaname, tablename, count(*) as columns from pg_stats
            where (schemaname, tablename) in (${sql.join(TABLES.map(([s, t]) => sql`(${s}, ${t})`))})
            group by schemaname, tablename`.execute(database.as<object>());
          assert.deepEqual(rows.map((r) => `${r.schemaname}.${r.tablename}`).sort(), TABLES.map(([s, t]) => `${s}.${t}`).sort(), 'tables with column statistics');
        }
      } finally {
        await database.close();
      }
    } finally {
      await target.drop(url);
      await rm(dir, { recursive: true, force: true });
    }
  });
}
