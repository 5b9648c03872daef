import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../../platform/config/load-config.js';
import { createLogger } from '../../platform/log/logger.js';
import { openDatabase } from '../../platform/db/open-database.js';
import { startSystem } from '../../platform/runtime/system.js';
import { createApiClient } from '../../testing/api-client.js';
import { dbTargets } from '../../testing/db-targets.js';
import { createArticle, registerUser } from '../../testing/fixtures.js';
import { allServices } from '../registry.js';

/**
 * Article views are written behind (summed in memory, flushed in batches).
 * A graceful shutdown must leave every counted view in Postgres.
 */
for (const target of await dbTargets()) {
  describe(`article views, written behind [${target.name}]`, target.options, () => {
    it('after a graceful shutdown every buffered view is in Postgres', async () => {
      const url = await target.create();
      const dataDir = mkdtempSync(join(tmpdir(), 'scalestack-views-'));
      try {
        const config = loadConfig({}, {
          PORT: 0, HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent',
          ARGON2_MEMORY_KIB: 1024, ARGON2_TIME_COST: 1,
          // Nothing flushes on a timer during the test: only shutdown can write the views.
          WRITE_BEHIND_FLUSH_MS: 3_600_000,
          ...(url ? { DATABASE_URL: url } : {}),
        });
        const system = await startSystem({ config, services: allServices, logger: createLogger({ level: 'silent', pretty: false }) });
        const api = createApiClient(system.url);
        const author = await registerUser(api);
        const a = await createArticle(api, author.token);
        const b = await createArticle(api, author.token);
        await Promise.all([
          ...Array.from({ length: 137 }, () => api.get(`/api/articles/${a.slug}`)),
          ...Array.from({ length: 25 }, () => api.get(`/api/articles/${b.slug}`)),
        ]);
        const buffered = (await api.get<string>('/metrics')).body;
        assert.match(buffered, /write_behind_buffer_keys\{counter="article_views"\} 2/);
        await system.close();

        const db = await openDatabase({ url, dataDir, poolMax: 1 });
        try {
          const { rows } = await sql<{ slug: string; views_count: number }>`
            select slug, views_count from social.articles order by id`.execute(db.as());
          assert.deepEqual(rows.map((r) => [r.slug, Number(r.views_count)]), [[a.slug, 137], [b.slug, 25]]);
        } finally {
          await db.close();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
        await target.drop(url);
      }
    });
  });
}
