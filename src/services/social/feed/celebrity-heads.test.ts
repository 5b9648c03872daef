import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { loadConfig } from '../../../platform/config/load-config.js';
import { createLogger } from '../../../platform/log/logger.js';
import { createMetrics } from '../../../platform/metrics/metrics.js';
import { openCache } from '../../../platform/cache/open-cache.js';
import { dbTargets, withMigratedDatabase } from '../../../testing/db-targets.js';
import { Gates, stillPending } from '../../../testing/gates.js';
import { FeedStore } from '../data/feed.store.js';
import { socialMigrations } from '../migrations.js';
import { CelebrityHeads } from './celebrity-heads.js';
import type { TimelineEntry } from './timelines/timeline-store.js';

const CELEBRITY = 1;

/** The real store; load n of a head is read, then held on its way back until gate `load n` opens (or fails, when told to). */
class GatedStore extends FeedStore {
  loads = 0;
  failNext = false;
  gates = new Gates();
  override async recentBy(authorIds: readonly number[], limit: number): Promise<{ entries: TimelineEntry[]; total: number }> {
    const n = ++this.loads;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database away');
    }
    const result = await super.recentBy(authorIds, limit);
    await this.gates.hold(`load ${n}`);
    return result;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const target of await dbTargets()) {
  test(`celebrity heads (${target.name}): while a post reloads its author's head, this process's readers get the previous one at once; after it, the new one; after a failed reload, none they did not load`, { ...target.options, timeout: 60_000 }, async () => {
    await withMigratedDatabase(target, [socialMigrations], async (db) => {
      const k = db.as<Record<string, never>>();
      const post = async (slug: string) => {
        const { rows } = await sql<{ id: number }>`insert into social.articles (slug, title, description, body, author_id)
          values (${slug}, 't', 'd', 'b', ${CELEBRITY}) returning id`.execute(k);
        return Number(rows[0]!.id);
      };
      const store = new GatedStore(db);
      const cache = await openCache(loadConfig({}, { CACHE_ENABLED: true }), createMetrics(), createLogger({ level: 'silent', pretty: false }));
      const heads = new CelebrityHeads(store, cache, true);
      const newest = async (read: Promise<{ entries: TimelineEntry[]; total: number }>) => (await read).entries.map((e) => e.articleId);
      try {
        const first = await post('first');
        const warm = heads.recentBy([CELEBRITY], 10);
        store.gates.open('load 1');
        assert.deepEqual(await newest(warm), [first]);

        // The post committed; its reload of the head is under way (held).
        const second = await post('second');
        const write = heads.changed(CELEBRITY);
        while (!store.gates.started.includes('load 2')) await sleep(5);
        const during = heads.recentBy([CELEBRITY], 10);
        assert.equal(await stillPending(during), false, 'a read during the reload does not wait for it');
        assert.deepEqual(await newest(during), [first], 'the previous head');
        assert.equal(await stillPending(write), true, 'the write answers only once the new head is in place');
        store.gates.open('load 2');
        await write;
        assert.deepEqual(await newest(heads.recentBy([CELEBRITY], 10)), [second, first], "the writer's next read");
        assert.equal(store.loads, 2, 'no load besides the reload');

        // A reload that fails: the old head is not served after it.
        const third = await post('third');
        store.failNext = true;
        await assert.rejects(heads.changed(CELEBRITY), /database away/);
        const after = heads.recentBy([CELEBRITY], 10);
        assert.equal(await stillPending(after), true, 'the read after a failed reload loads the head');
        store.gates.open('load 4');
        assert.deepEqual(await newest(after), [third, second, first]);
      } finally {
        await cache.close();
      }
    });
  });
}
