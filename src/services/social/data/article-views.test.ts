import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { Registry } from 'prom-client';
import { createLogger } from '../../../platform/log/logger.js';
import { dbTargets, withMigratedDatabase } from '../../../testing/db-targets.js';
import { socialMigrations } from '../migrations.js';
import { ArticleViews } from './article-views.js';
import { ArticleViewsStore, VIEW_LOG_BUCKETS } from './article-views.store.js';
import type { SocialTables } from './tables.js';

const logger = createLogger({ level: 'silent', pretty: false });
const ARTICLES = 100;

async function seedArticles(db: Kysely<SocialTables>): Promise<void> {
  await sql`insert into social.articles (id, slug, title, description, body, author_id)
    overriding system value select g, 'a-' || g, 't', 'd', 'b', 1 from generate_series(1, ${ARTICLES}) g`.execute(db);
}

async function viewsCount(db: Kysely<SocialTables>): Promise<Map<number, number>> {
  const { rows } = await sql<{ id: number; views_count: string | number }>`
    select id, views_count from social.articles where views_count <> 0 order by id`.execute(db);
  return new Map(rows.map((r) => [Number(r.id), Number(r.views_count)]));
}

async function logRows(db: Kysely<SocialTables>): Promise<number> {
  return Number((await sql<{ n: string }>`select count(*) as n from social.article_view_log`.execute(db)).rows[0]!.n);
}

/** One flush's views: article i viewed i times (1..ARTICLES), so every bucket has some. */
function flush(): Map<number, number> {
  return new Map(Array.from({ length: ARTICLES }, (_, i) => [i + 1, i + 1]));
}

function times(views: Map<number, number>, n: number): Map<number, number> {
  return new Map([...views].map(([id, count]) => [id, count * n]));
}

/** The real store, recording each fold and reclaim in `calls` as it starts. */
function recording(store: ArticleViewsStore, calls: string[]): ArticleViewsStore {
  return Object.assign(Object.create(store) as ArticleViewsStore, {
    fold: async (bucket: number) => {
      calls.push(`bucket ${bucket}`);
      return store.fold(bucket);
    },
    reclaim: async () => {
      calls.push('reclaim');
      return store.reclaim();
    },
  });
}

const settings = { flushEveryMs: 3_600_000, foldEveryMs: 3_600_000, registry: new Registry(), logger };

for (const target of await dbTargets()) {
  describe(`article views: the log and its folds [${target.name}]`, target.options, () => {
    it('appended views reach views_count only by a fold, which adds each exactly once and empties the log', async () => {
      await withMigratedDatabase(target, [socialMigrations], async (database) => {
        const store = new ArticleViewsStore(database);
        const db = database.as<SocialTables>();
        await seedArticles(db);
        for (let i = 0; i < 3; i++) await store.append(flush());
        assert.equal((await viewsCount(db)).size, 0, 'an append does not touch the articles');
        assert.deepEqual(await store.unfolded(), times(flush(), 3));

        for (let bucket = 0; bucket < VIEW_LOG_BUCKETS; bucket++) await store.fold(bucket);
        assert.deepEqual(await viewsCount(db), times(flush(), 3));
        assert.equal(await logRows(db), 0);

        for (let bucket = 0; bucket < VIEW_LOG_BUCKETS; bucket++) await store.fold(bucket);
        assert.deepEqual(await viewsCount(db), times(flush(), 3), 'a second fold adds nothing');
      });
    });

    it("a fold of one bucket updates that bucket's articles only, once each however many flushes counted them", async () => {
      await withMigratedDatabase(target, [socialMigrations], async (database) => {
        const store = new ArticleViewsStore(database);
        const db = database.as<SocialTables>();
        await seedArticles(db);
        await store.append(flush());
        await store.append(flush());
        const updated = await store.fold(5);
        const expected = new Map([...times(flush(), 2)].filter(([id]) => id % VIEW_LOG_BUCKETS === 5));
        assert.equal(updated, expected.size, 'one update per article of the bucket');
        assert.deepEqual(await viewsCount(db), expected);
      });
    });

    it('folds running at once with appends (two connections on Postgres) add every view exactly once', async () => {
      await withMigratedDatabase(
        target,
        [socialMigrations],
        async (database) => {
          const store = new ArticleViewsStore(database);
          const db = database.as<SocialTables>();
          await seedArticles(db);
          const foldAll = async () => {
            for (let bucket = 0; bucket < VIEW_LOG_BUCKETS; bucket++) await store.fold(bucket);
          };
          await Promise.all([
            (async () => {
              for (let i = 0; i < 10; i++) await store.append(flush());
            })(),
            foldAll(),
            foldAll(),
            foldAll(),
          ]);
          await foldAll();
          assert.deepEqual(await viewsCount(db), times(flush(), 10));
          assert.equal(await logRows(db), 0);
        },
        4,
      );
    });

    it("close() appends what is summed and folds the whole log, a crashed process's appends included", async () => {
      await withMigratedDatabase(target, [socialMigrations], async (database) => {
        const store = new ArticleViewsStore(database);
        const db = database.as<SocialTables>();
        await seedArticles(db);
        // What a process that died after its last flush left: views in the log, none in views_count.
        await store.append(new Map([[7, 40]]));

        const views = new ArticleViews(store, settings);
        for (let i = 0; i < 3; i++) views.increment(7);
        views.increment(8);
        await views.close();
        assert.deepEqual(await viewsCount(db), new Map([[7, 43], [8, 1]]));
        assert.equal(await logRows(db), 0);
      });
    });

    it('a bucket that fails to fold keeps its views in the log, and the next fold adds them once', async () => {
      await withMigratedDatabase(target, [socialMigrations], async (database) => {
        const store = new ArticleViewsStore(database);
        const db = database.as<SocialTables>();
        await seedArticles(db);
        let failBucket: number | null = 9;
        // The real store, with one bucket's statement failing as a lost connection would.
        const failing = Object.assign(Object.create(store) as ArticleViewsStore, {
          fold: async (bucket: number) => {
            if (bucket === failBucket) throw new Error('connection lost');
            return store.fold(bucket);
          },
        });
        const views = new ArticleViews(failing, settings);
        await store.append(flush());
        await views.fold();
        const folded = await viewsCount(db);
        assert.ok(!folded.has(9) && !folded.has(9 + VIEW_LOG_BUCKETS), 'the failed bucket is not in views_count');
        assert.deepEqual(await store.unfolded(), new Map([...flush()].filter(([id]) => id % VIEW_LOG_BUCKETS >= 9)), 'it and the buckets after it are still logged');
        failBucket = null;
        await views.close();
        assert.deepEqual(await viewsCount(db), flush());
      });
    });

    it('a fold of an empty log runs no statement per bucket and no vacuum', async () => {
      await withMigratedDatabase(target, [socialMigrations], async (database) => {
        const store = new ArticleViewsStore(database);
        const calls: string[] = [];
        const views = new ArticleViews(recording(store, calls), settings);
        await views.fold();
        assert.deepEqual(calls, []);
        await store.append(new Map([[1, 1]]));
        await views.fold();
        assert.equal(calls.length, VIEW_LOG_BUCKETS + 1, 'with a row logged, every bucket and the reclaim');
        await views.close();
      });
    });

    // On Postgres a statement's reply comes from a socket, so requests run meanwhile whatever the fold does.
    if (target.name === 'pglite') {
      it('lets the event loop run between buckets, though each PGlite statement resolves in the turn it was sent', async () => {
        await withMigratedDatabase(target, [socialMigrations], async (database) => {
          const store = new ArticleViewsStore(database);
          await seedArticles(database.as<SocialTables>());
          const order: string[] = [];
          const views = new ArticleViews(recording(store, order), settings);
          await store.append(flush());
          // Stands for a request read from a socket while the fold runs: it must not wait for every bucket.
          setImmediate(() => order.push('request'));
          await views.fold();
          assert.deepEqual(order.slice(0, 3), ['bucket 0', 'request', 'bucket 1']);
          await views.close();
        });
      });
    }
  });
}
