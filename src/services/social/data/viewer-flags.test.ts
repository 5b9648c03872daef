import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { loadConfig } from '../../../platform/config/load-config.js';
import { createLogger } from '../../../platform/log/logger.js';
import { createMetrics } from '../../../platform/metrics/metrics.js';
import { openCache } from '../../../platform/cache/open-cache.js';
import type { Cache } from '../../../platform/cache/cache.js';
import { dbTargets, withMigratedDatabase } from '../../../testing/db-targets.js';
import { Gates, stillPending } from '../../../testing/gates.js';
import { socialMigrations } from '../migrations.js';
import { ArticlesStore } from './articles.store.js';
import { FollowsStore } from './follows.store.js';
import { ViewerFlags } from './viewer-flags.js';

const VIEWER = 1;
const AUTHOR = 2;

/** The real store; each load of a viewer's sets is read, then held on its way back until the gate opens. */
class GatedStore extends ArticlesStore {
  constructor(db: ConstructorParameters<typeof ArticlesStore>[0], private readonly gates: Gates) {
    super(db);
  }
  override async viewerSets(userId: number, limit: number): Promise<{ favorites: number[]; following: number[] }> {
    const sets = await super.viewerSets(userId, limit);
    await this.gates.hold('viewer sets');
    return sets;
  }
}

for (const target of await dbTargets()) {
  test(`viewer flags (${target.name}): lookups of one viewer's sets at once share one cache lookup; a lookup begun before the viewer's write is not shared after it`, { ...target.options, timeout: 60_000 }, async () => {
    await withMigratedDatabase(target, [socialMigrations], async (db) => {
      const k = db.as<Record<string, never>>();
      const { rows } = await sql<{ id: number }>`insert into social.articles (slug, title, description, body, author_id)
        values ('a', 't', 'd', 'b', ${AUTHOR}) returning id`.execute(k);
      const articleId = Number(rows[0]!.id);
      await sql`insert into social.follows (follower_id, followee_id) values (${VIEWER}, ${AUTHOR})`.execute(k);
      const gates = new Gates();
      const cache = await openCache(loadConfig({}, { CACHE_ENABLED: true }), createMetrics(), createLogger({ level: 'silent', pretty: false }));
      let lookups = 0;
      const counted: Cache = { ...cache, getManyOrLoad: (...args) => (lookups++, cache.getManyOrLoad(...args)) };
      const flags = new ViewerFlags(new GatedStore(db, gates), new FollowsStore(db), counted, true);
      try {
        // A feed read's two questions at once: its flags, and (hybrid) which celebrities the viewer follows.
        const page = flags.among(VIEWER, [articleId], [AUTHOR]);
        const celebrities = flags.followedAmong(VIEWER, [AUTHOR]);
        assert.equal(await stillPending(Promise.all([page, celebrities])), true);
        assert.equal(lookups, 1, 'one cache lookup for both');
        assert.deepEqual(gates.started, ['viewer sets'], 'one load for both');
        gates.open('viewer sets');
        assert.deepEqual(await page, { favorited: new Set(), following: new Set([AUTHOR]) });
        assert.deepEqual(await celebrities, new Set([AUTHOR]));

        // The viewer favorites while a lookup of theirs (read before the write) is still on its way.
        await flags.changed(VIEWER);
        const gates2 = new Gates();
        const flags2 = new ViewerFlags(new GatedStore(db, gates2), new FollowsStore(db), cache, true);
        const before = flags2.among(VIEWER, [articleId], [AUTHOR]);
        assert.equal(await stillPending(before), true);
        await sql`insert into social.favorites (user_id, article_id) values (${VIEWER}, ${articleId})`.execute(k);
        await flags2.changed(VIEWER);
        const after = flags2.among(VIEWER, [articleId], [AUTHOR]);
        gates2.open('viewer sets');
        assert.deepEqual((await after).favorited, new Set([articleId]), 'the writer sees their favorite');
        assert.deepEqual(gates2.started, ['viewer sets', 'viewer sets'], 'the read after the write loaded the sets itself');
        await before;
      } finally {
        await cache.close();
      }
    });
  });
}
