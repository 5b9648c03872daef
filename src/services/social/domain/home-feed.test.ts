import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { loadConfig } from '../../../platform/config/load-config.js';
import { createLogger } from '../../../platform/log/logger.js';
import { createMetrics } from '../../../platform/metrics/metrics.js';
import { openCache } from '../../../platform/cache/open-cache.js';
import type { Outbox } from '../../../platform/bus/platform-bus.js';
import type { IdentityClient, UserProfile } from '../../../contracts/identity.js';
import { dbTargets, withMigratedDatabase } from '../../../testing/db-targets.js';
import { Gates, stillPending } from '../../../testing/gates.js';
import { ArticleCache } from '../data/article-cache.js';
import { ArticlesStore, type ArticleSummary } from '../data/articles.store.js';
import { FollowsStore } from '../data/follows.store.js';
import { ViewerFlags } from '../data/viewer-flags.js';
import { pullFeed } from '../feed/pull-feed.js';
import type { FeedStrategy } from '../feed/feed-strategy.js';
import { socialMigrations } from '../migrations.js';
import { ArticlesDomain } from './articles.js';

const VIEWER = 1;
const FOLLOWED = 2;

/** The real store; its viewer-set and summary loads (what a first read in a while misses) held at the gates. */
class GatedStore extends ArticlesStore {
  constructor(db: ConstructorParameters<typeof ArticlesStore>[0], private readonly gates: Gates) {
    super(db);
  }
  override async viewerSets(userId: number, limit: number): Promise<{ favorites: number[]; following: number[] }> {
    await this.gates.hold('viewer sets');
    return super.viewerSets(userId, limit);
  }
  override async summariesByIds(ids: readonly number[]): Promise<ArticleSummary[]> {
    await this.gates.hold('articles');
    return super.summariesByIds(ids);
  }
}

/** identity's side of the page: profiles for the ids asked, after the gate. */
function gatedIdentity(gates: Gates): IdentityClient {
  const unused = () => Promise.reject(new Error('not asked by the home feed'));
  return {
    usersByIds: async (ids) => {
      await gates.hold('profiles');
      return new Map(ids.map((id): [number, UserProfile] => [id, { id, username: `user${id}`, bio: null, image: null }]));
    },
    userByUsername: unused,
    emailsByIds: unused,
    standing: unused,
  };
}

const noOutbox: Outbox = { add: async () => [], wake: () => undefined, attach: async () => async () => undefined };

for (const target of await dbTargets()) {
  test(`home feed (${target.name}): the viewer's flags load beside the feed's page, and the authors' profiles beside its articles`, { ...target.options, timeout: 60_000 }, async () => {
    await withMigratedDatabase(target, [socialMigrations], async (db) => {
      const k = db.as<Record<string, never>>();
      await sql`insert into social.articles (slug, title, description, body, author_id, created_at)
        select 'followed-' || g, 't', 'd', 'b', ${FOLLOWED}, now() - g * interval '1 minute' from generate_series(1, 3) g`.execute(k);
      await sql`insert into social.follows (follower_id, followee_id) values (${VIEWER}, ${FOLLOWED})`.execute(k);
      await sql`insert into social.favorites (user_id, article_id) select ${VIEWER}, id from social.articles where slug = 'followed-2'`.execute(k);

      const gates = new Gates();
      const store = new GatedStore(db, gates);
      const pull = pullFeed(store);
      const feed: FeedStrategy = { name: 'gated pull', page: async (viewerId, page) => (await gates.hold('page'), pull.page(viewerId, page)) };
      const cache = await openCache(loadConfig({}, { CACHE_ENABLED: true }), createMetrics(), createLogger({ level: 'silent', pretty: false }));
      const identity = gatedIdentity(gates);
      const flags = new ViewerFlags(store, new FollowsStore(db), cache, true);
      const domain = new ArticlesDomain(store, new ArticleCache(store, cache, identity), identity, feed, { increment: () => undefined }, noOutbox, flags);
      try {
        const read = domain.homeFeed(VIEWER, { offset: 0, limit: 20 });
        assert.equal(await stillPending(read), true);
        assert.deepEqual([...gates.started].sort(), ['page', 'viewer sets'], 'before the page is known, only the page and the viewer\'s sets are asked for');

        gates.open('page');
        assert.equal(await stillPending(read), true);
        assert.deepEqual([...gates.started].sort(), ['articles', 'page', 'profiles', 'viewer sets'], 'the profiles are asked for while the articles are still loading');

        gates.open('articles');
        gates.open('profiles');
        gates.open('viewer sets');
        const list = await read;
        assert.equal(list.total, 3);
        assert.deepEqual(list.articles.map((a) => a.article.slug), ['followed-1', 'followed-2', 'followed-3']);
        assert.deepEqual(list.articles.map((a) => a.favorited), [false, true, false], 'favorited from the viewer\'s set');
        assert.ok(list.articles.every((a) => a.author.username === `user${FOLLOWED}` && a.author.following), 'the author\'s profile, followed');
      } finally {
        await cache.close();
      }
    });
  });
}
