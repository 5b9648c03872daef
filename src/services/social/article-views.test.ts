import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../../platform/db/open-database.js';
import { dbTargets } from '../../testing/db-targets.js';
import { createArticle, registerUser } from '../../testing/fixtures.js';
import { startTestSystem } from '../../testing/test-system.js';

/**
 * Article views are written behind (summed in memory, flushed in batches).
 * A graceful shutdown must leave every counted view in Postgres.
 */
for (const target of await dbTargets()) {
  describe(`article views, written behind [${target.name}]`, target.options, () => {
    it('after a graceful shutdown every buffered view is in Postgres', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'scalestack-views-'));
      // On disk (PGlite) or a kept database (Postgres): what shutdown wrote is read back after it.
      // Nothing flushes on a timer during the test: only shutdown can write the views.
      const sys = await startTestSystem(target, { DATA_DIR: dataDir, WRITE_BEHIND_FLUSH_MS: 3_600_000 });
      try {
        const author = await registerUser(sys.api);
        const a = await createArticle(sys.api, author.token);
        const b = await createArticle(sys.api, author.token);
        await Promise.all([
          ...Array.from({ length: 137 }, () => sys.api.get(`/api/articles/${a.slug}`)),
          ...Array.from({ length: 25 }, () => sys.api.get(`/api/articles/${b.slug}`)),
        ]);
        const buffered = (await sys.api.get<string>('/metrics')).body;
        assert.match(buffered, /write_behind_buffer_keys\{counter="article_views"\} 2/);
        await sys.stop();

        const db = await openDatabase({ url: sys.databaseUrl, dataDir, poolMax: 1 });
        try {
          const { rows } = await sql<{ slug: string; views_count: number }>`
            select slug, views_count from social.articles order by id`.execute(db.as());
          assert.deepEqual(rows.map((r) => [r.slug, Number(r.views_count)]), [[a.slug, 137], [b.slug, 25]]);
        } finally {
          await db.close();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
        await sys.dropDatabase();
      }
    });
  });
}
