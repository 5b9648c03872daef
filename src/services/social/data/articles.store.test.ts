import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dbTargets, withMigratedDatabase } from '../../../testing/db-targets.js';
import { socialMigrations } from '../migrations.js';
import { ArticlesStore, type ArticleSummary } from './articles.store.js';

for (const target of await dbTargets()) {
  test(`list pages built as JSON by Postgres (${target.name}): the same summaries as the row reads, the viewer's flags, the exact total on an empty page`, { ...target.options, timeout: 60_000 }, async () => {
    await withMigratedDatabase(target, [socialMigrations], async (database) => {
      const store = new ArticlesStore(database);
      const db = store.db;
      // Microseconds the JSON must truncate as the driver's Date does (…999 stays …999, never rounds up), and a tie on
      // created_at that the id breaks.
      await sql`insert into social.articles (slug, title, description, body, author_id, created_at, updated_at) values
        ('a1', 'One', 'first', 'b1', 1, '2026-01-02 03:04:05.678999+00', '2026-01-02 03:04:59.999999+00'),
        ('a2', 'Two "quoted"', 'sec\\ond', 'b2', 2, '2026-01-02 03:04:05.678999+00', '2026-01-03 00:00:00+00'),
        ('a3', 'Three', 'third', 'b3', 2, '2025-12-31 23:59:59.000001+00', '2026-01-01 00:00:00.5+00')`.execute(db);
      const ids = Object.fromEntries((await sql<{ id: string | number; slug: string }>`select id, slug from social.articles`.execute(db)).rows.map((r) => [r.slug, Number(r.id)]));
      await db.transaction().execute(async (trx) => {
        await store.replaceTags(trx, ids['a1']!, ['zeta', 'alpha']);
        await store.replaceTags(trx, ids['a3']!, ['solo']);
      });
      // Viewer 9 favorited a2 and follows author 1.
      await sql`insert into social.favorites (user_id, article_id) values (9, ${ids['a2']}), (8, ${ids['a1']})`.execute(db);
      await sql`insert into social.follows (follower_id, followee_id) values (9, 1), (8, 2)`.execute(db);

      // The reference: each article read as rows (the driver's types, then toISOString), without its body.
      const asRows = async (slug: string): Promise<ArticleSummary> => {
        const { body: _body, ...summary } = (await store.recordBySlug(slug))!;
        return summary;
      };
      const expected = [await asRows('a2'), await asRows('a1'), await asRows('a3')];
      assert.equal(expected[1]!.createdAt, '2026-01-02T03:04:05.678Z');
      assert.equal(expected[1]!.updatedAt, '2026-01-02T03:04:59.999Z');
      assert.deepEqual(expected[1]!.tagList, ['alpha', 'zeta']);

      const page = await store.findPage({}, { limit: 20, offset: 0 });
      assert.deepEqual(page, { records: expected, total: 3 });
      const flagged = await store.findPage({}, { limit: 20, offset: 0 }, 9);
      assert.deepEqual(flagged, { records: expected, total: 3, flags: { favorited: new Set([ids['a2']]), following: new Set([1]) } });
      assert.deepEqual(await store.findPage({ authorId: 2 }, { limit: 1, offset: 1 }), { records: [expected[2]], total: 2 });
      // Past the end: no rows, and the total still exact.
      assert.deepEqual(await store.findPage({ tag: 'solo' }, { limit: 20, offset: 5 }), { records: [], total: 1 });
      assert.deepEqual(await store.findPage({ tag: 'none' }, { limit: 20, offset: 0 }, 9), { records: [], total: 0, flags: { favorited: new Set(), following: new Set() } });

      // A feed page's summaries: in the order asked, the unknown id left out.
      const order = [ids['a3']!, 999_999, ids['a1']!, ids['a2']!];
      assert.deepEqual(await store.summariesByIds(order), [expected[2], expected[1], expected[0]]);
      assert.deepEqual(await store.flaggedSummariesByIds(order, 8), {
        records: [expected[2], expected[1], expected[0]],
        flags: { favorited: new Set([ids['a1']]), following: new Set([2]) },
      });
      assert.deepEqual(await store.flaggedRecordBySlug('a3', 8), { record: await store.recordBySlug('a3'), flags: { favorited: false, following: true } });
      assert.equal(await store.flaggedRecordBySlug('missing', 8), undefined);
    });
  });
}

for (const target of await dbTargets()) {
  test(`reads that miss together (${target.name}): single articles, feed pages' summaries and viewers' sets each share one statement, and every caller gets its own rows`, { ...target.options, timeout: 60_000 }, async () => {
    await withMigratedDatabase(target, [socialMigrations], async (database) => {
      const store = new ArticlesStore(database);
      const db = store.db;
      await sql`insert into social.articles (slug, title, description, body, author_id)
        select 's' || g, 'Title ' || g, 'd', 'body ' || g, 1 + g % 3 from generate_series(1, 12) g`.execute(db);
      const ids = Object.fromEntries((await sql<{ id: string | number; slug: string }>`select id, slug from social.articles`.execute(db)).rows.map((r) => [r.slug, Number(r.id)]));
      await sql`insert into social.favorites (user_id, article_id) values (21, ${ids['s1']}), (21, ${ids['s2']}), (23, ${ids['s3']})`.execute(db);
      await sql`insert into social.follows (follower_id, followee_id) values (21, 1), (22, 2), (22, 3)`.execute(db);
      const statements = async <T>(reads: () => Promise<T>): Promise<{ result: T; count: number }> => {
        const before = database.queryCounts().primary;
        const result = await reads();
        return { result, count: database.queryCounts().primary - before };
      };

      const slugs = ['s3', 'missing', 's1', 's12', 's3'];
      const singles = await statements(() => Promise.all(slugs.map((slug) => store.recordBySlug(slug))));
      assert.deepEqual(singles.result.map((r) => r && [r.slug, r.title, r.body]), [
        ['s3', 'Title 3', 'body 3'], undefined, ['s1', 'Title 1', 'body 1'], ['s12', 'Title 12', 'body 12'], ['s3', 'Title 3', 'body 3'],
      ]);
      assert.equal(singles.count, 1, 'five single-article misses, one statement');

      const pages = [[ids['s5']!, ids['s4']!], [999_999, ids['s4']!], [ids['s9']!]];
      const summaries = await statements(() => Promise.all(pages.map((page) => store.summariesByIds(page))));
      assert.deepEqual(summaries.result.map((page) => page.map((s) => s.slug)), [['s5', 's4'], ['s4'], ['s9']]);
      assert.ok(summaries.result.every((page) => page.every((s) => !('body' in s))), 'summaries carry no body');
      assert.equal(summaries.count, 1, "three requests' feed pages, one statement");

      const viewers = [21, 22, 23, 24];
      const sets = await statements(() => Promise.all(viewers.map((viewer) => store.viewerSets(viewer, 100))));
      assert.deepEqual(sets.result.map((s) => ({ favorites: [...s.favorites].sort((a, b) => a - b), following: [...s.following].sort((a, b) => a - b) })), [
        { favorites: [ids['s1'], ids['s2']].sort((a, b) => a! - b!), following: [1] },
        { favorites: [], following: [2, 3] },
        { favorites: [ids['s3']], following: [] },
        { favorites: [], following: [] },
      ]);
      assert.equal(sets.count, 1, "four viewers' sets, one statement");
    });
  });
}
