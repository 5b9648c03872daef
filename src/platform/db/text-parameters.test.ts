import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dbTargets } from '../../testing/db-targets.js';
import { openDatabase } from './open-database.js';
import type { Database } from './database.js';

/**
 * A lone surrogate reaches SQL whenever a JSON body escapes one ("\udc00").
 * node-postgres sends it as U+FFFD; PGlite counted the UTF-8 length of
 * "é\udc00" one code point short and sent a truncated parameter, which
 * Postgres refused (22021): a 500 on POST /api/articles. Found by the route
 * fuzzer (src/testing/fuzz/).
 */
for (const target of await dbTargets()) {
  describe(`text parameters [${target.name}]`, target.options, () => {
    let url: string | undefined;
    let db: Database;
    before(async () => {
      url = await target.create();
      db = await openDatabase({ url, dataDir: 'memory://', poolMax: 2 });
    });
    after(async () => {
      await db?.close();
      await target.drop(url);
    });

    const echo = async (value: unknown) => {
      const { rows } = await sql<{ v: unknown }>`select ${value}::text as v`.execute(db.as());
      return rows[0]!.v;
    };

    it('a lone surrogate in a string parameter arrives as U+FFFD, whatever precedes it', async () => {
      for (const [sent, stored] of [
        ['\u00a0\udc00\ud800', '\u00a0\ufffd\ufffd'],
        ['é\udc00', 'é\ufffd'],
        ['日\udfff', '日\ufffd'],
        ['\ud800', '\ufffd'],
        ['a\ud83d', 'a\ufffd'],
      ]) {
        assert.equal(await echo(sent), stored, JSON.stringify(sent));
      }
    });

    it('well-formed text, astral characters included, arrives unchanged', async () => {
      for (const text of ['é😀', '\u200b\u202e', '👩‍👩‍👧‍👦', 'plain']) assert.equal(await echo(text), text);
    });

    it('a lone surrogate inside an array parameter arrives as U+FFFD too', async () => {
      const { rows } = await sql<{ v: string[] }>`select ${['é\udc00', 'ok']}::text[] as v`.execute(db.as());
      assert.deepEqual(rows[0]!.v, ['é\ufffd', 'ok']);
    });
  });
}
