// EXPLAIN ANALYZE (median of 7, planning + execution) of the cache-off hot statements as a checkout's stores send them
// (issue 21, docs/patterns/queries-first.md), on a seeded Postgres database:
//   node --import tsx docs/perf/explain-hot-statements.mts <checkout> <database>
// Works on checkouts before ArticlesStore.findPage (it explains their ids, count, records and favorites statements then).
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
const [root, dbName] = process.argv.slice(2) as [string, string];
const { ArticlesStore } = await import(`${root}/src/services/social/data/articles.store.ts`);
const { FeedStore } = await import(`${root}/src/services/social/data/feed.store.ts`);
const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:5432/${dbName}`, max: 2 });
let captured: { sql: string; parameters: readonly unknown[] }[] = [];
const db = new Kysely({ dialect: new PostgresDialect({ pool }), log: (e) => void captured.push(e.query) });
const store = new ArticlesStore({ as: () => db } as never);
const feed = new FeedStore({ as: () => db } as never);
const page = { limit: 20, offset: 0 };
const ids = Array.from({ length: 20 }, (_, i) => 1000 + i * 37);
const slugOf1000 = (await pool.query<{ slug: string }>('select slug from social.articles order by id offset 999 limit 1')).rows[0]?.slug ?? '';
const reads: [string, () => Promise<unknown>][] = store.findPage
  ? [
      ['global list (page+rows+total)', () => store.findPage({}, page)],
      ['list by tag', () => store.findPage({ tag: 'tag3' }, page)],
      ['list by author', () => store.findPage({ authorId: 5 }, page)],
      ['feed: summaries', () => store.summariesByIds(ids)],
      ['viewer flags', () => store.viewerFlags(5, ids, [1, 2, 38, 75, 112])],
    ]
  : [
      ['global list (ids, total)', () => store.findIds({}, page)],
      ['list by tag', () => store.findIds({ tag: 'tag3' }, page)],
      ['list by author', () => store.findIds({ authorId: 5 }, page)],
      ['records (lists, feed)', () => store.recordsByIds(ids)],
      ['favorited', () => store.favoritedAmong(5, ids)],
    ];
if (store.flaggedSummariesByIds) {
  // Since the signed-in cache-off reads carry the viewer's flags in their own statement (ArticleCache).
  reads.push(
    ['global list with flags', () => store.findPage({}, page, 5)],
    ['feed: summaries with flags', () => store.flaggedSummariesByIds(ids, 5)],
    ['single article with flags', () => store.flaggedRecordBySlug(slugOf1000, 5)],
    ['single article', () => store.recordBySlug(slugOf1000)],
  );
}
reads.push(['feed: celebrities followed', () => feed.celebritiesFollowedBy(5, 10_000)]);
for (const [name, read] of reads) {
  captured = [];
  await read();
  for (const q of captured) {
    const times: number[] = [];
    let nodes = '';
    for (let i = 0; i < 7; i++) {
      const { rows } = await pool.query(`explain (analyze, format json) ${q.sql}`, [...q.parameters]);
      const plan = rows[0]['QUERY PLAN'][0];
      times.push(plan['Planning Time'] + plan['Execution Time']);
      const list: string[] = [];
      const walk = (n: any) => { list.push(`${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : n['Relation Name'] ? ` ${n['Relation Name']}` : ''}`); (n.Plans ?? []).forEach(walk); };
      walk(plan.Plan);
      nodes = list.filter((n) => /Scan/.test(n)).join(', ');
    }
    times.sort((a, b) => a - b);
    console.log(`${name}: median ${times[3]!.toFixed(3)} ms (plan+exec) — ${nodes}`);
  }
}
await db.destroy();
