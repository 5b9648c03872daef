import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres');

/** The statements prepared on the system's one pooled connection (DATABASE_POOL_MAX=1: every statement runs on it). */
async function prepared(sys: TestSystem): Promise<{ name: string; statement: string }[]> {
  const { rows } = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(sys.db.as());
  return rows;
}

describe('DATABASE_PREPARED_STATEMENTS on real Postgres', postgres?.options ?? { skip: 'TEST_DB_TARGETS leaves out postgres' }, () => {
  const systems: TestSystem[] = [];
  after(async () => {
    for (const sys of systems) await sys.close();
  });

  for (const on of [true, false]) {
    it(on ? 'runs a hot read (the article list) as a named prepared statement, once per connection' : 'prepares nothing when false (PgBouncer in transaction mode)', async () => {
      const sys = await startTestSystem(postgres!, { DATABASE_POOL_MAX: 1, CACHE_ENABLED: false, DATABASE_PREPARED_STATEMENTS: on });
      systems.push(sys);
      assert.equal((await sys.api.get<{ articlesCount: number }>('/api/articles?limit=5')).body.articlesCount, 0);
      await sys.api.get('/api/articles?limit=7');
      const statements = await prepared(sys);
      const list = statements.filter((s) => /from "social"\."articles"/.test(s.statement));
      if (on) {
        // Both calls are one statement (the limit is a parameter), prepared once under its text's name.
        assert.equal(list.length, 1, JSON.stringify(statements));
        assert.match(list[0]!.name, /^ss_[0-9a-f]{24}$/);
      } else {
        assert.deepEqual(statements, []);
      }
    });
  }
});
