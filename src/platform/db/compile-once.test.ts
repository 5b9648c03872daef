import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql, type LogEvent } from 'kysely';
import { dbTargets } from '../../testing/db-targets.js';
import { openDatabase } from './open-database.js';
import type { Database } from './database.js';
import { compileOnce } from './compile-once.js';

interface Tables {
  compile_once_items: { id: number; name: string };
}

for (const target of await dbTargets()) {
  describe(`compileOnce [${target.name}]`, target.options, () => {
    let url: string | undefined;
    let database: Database;
    let db: Kysely<Tables>;
    before(async () => {
      url = await target.create();
      database = await openDatabase({ url, dataDir: 'memory://', poolMax: 2 });
      db = database.as<Tables>();
      await sql`create table compile_once_items (id bigint primary key, name text not null)`.execute(db);
      await sql`insert into compile_once_items values (1, 'one'), (2, 'two'), (3, 'three')`.execute(db);
    });
    after(async () => {
      await database?.close();
      await target.drop(url);
    });

    it('builds and compiles the statement once; every call binds its own arguments', async () => {
      let builds = 0;
      const byId = compileOnce(db, (id: number) => {
        builds++;
        return db.selectFrom('compile_once_items').select(['id', 'name']).where('id', '=', id);
      });
      assert.deepEqual(await byId(2), [{ id: 2, name: 'two' }]);
      assert.deepEqual(await byId(3), [{ id: 3, name: 'three' }]);
      assert.deepEqual(await byId(9), []);
      assert.equal(builds, 1);
    });

    it('an argument used twice fills both places, an array is one parameter, and values the builder embeds stay', async () => {
      const statement = compileOnce(db, (a: number, ids: number[], b: number) =>
        sql<{ v: number; names: string[]; k: string }>`select ${a}::int * 100 + ${b}::int * 10 + ${a}::int as v,
          (select array_agg(name order by id) from compile_once_items where id = any(${ids}::bigint[])) as names, ${'fixed'}::text as k`,
      );
      assert.deepEqual(await statement(1, [1, 3], 2), [{ v: 121, names: ['one', 'three'], k: 'fixed' }]);
      assert.deepEqual(await statement(3, [2], 5), [{ v: 353, names: ['two'], k: 'fixed' }]);
    });
  });
}

describe('compileOnce: through Kysely', () => {
  it('each call is logged like the built query, with its query node (what statement counting, tracing and replica routing read)', async () => {
    const events: LogEvent[] = [];
    const db = new Kysely<Tables>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (k) => new PostgresIntrospector(k),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
      log: (event) => void events.push(event),
    });
    const byName = compileOnce(db, (name: string) => db.selectFrom('compile_once_items').select('id').where('name', '=', name));
    await byName('one');
    await byName('two');
    const built = db.selectFrom('compile_once_items').select('id').where('name', '=', 'two').compile();
    assert.equal(events.length, 2);
    assert.deepEqual(events.map((e) => e.query.parameters), [['one'], ['two']]);
    for (const event of events) {
      assert.equal(event.query.sql, built.sql);
      assert.equal(event.query.query.kind, 'SelectQueryNode');
    }
    await db.destroy();
  });
});
