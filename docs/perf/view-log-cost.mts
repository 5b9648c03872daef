// What the view counter costs PGlite a second, before and after the view log (docs/perf/results.md, "Views go to a
// log"), on the social schema (its migrations), in one process, the two alternated:
//   node --import tsx docs/perf/view-log-cost.mts [rounds=3] [articles=2000] [views a second=6000] [seconds=30]
// - before: each second's sums written as ArticlesStore.addViews did until this change, `UPDATE … FROM unnest()` in batches of 50;
// - after: each second's sums appended to the log (ArticleViewsStore.append, 1,000 articles a statement), and every
//   10 s the log folded bucket by bucket (ArticleViewsStore.fold, then reclaim), as ArticleViews does.
// Printed per variant: PGlite's busy time per simulated second (its statements' time, which on PGlite is time the
// event loop is held), statements per second, and the longest statement.
import { sql } from 'kysely';
import { openDatabase } from '../../src/platform/db/open-database.js';
import { runMigrations } from '../../src/platform/db/migrations.js';
import { socialMigrations } from '../../src/services/social/migrations.js';
import { ArticleViewsStore, VIEW_LOG_BUCKETS } from '../../src/services/social/data/article-views.store.js';
import type { SocialTables } from '../../src/services/social/data/tables.js';

const [rounds = 3, articles = 2_000, viewsPerSecond = 6_000, seconds = 30] = process.argv.slice(2).map(Number);
const FOLD_EVERY_S = 10;
const body = 'Scaling is mostly about removing work from the hot path: cache what is read often. '.repeat(6);

let seed = 1;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};

/** One second of views, summed per article as WriteBehindCounter sums them. */
function secondOfViews(): Map<number, number> {
  const sums = new Map<number, number>();
  for (let i = 0; i < viewsPerSecond; i++) {
    const id = 1 + Math.floor(random() * articles);
    sums.set(id, (sums.get(id) ?? 0) + 1);
  }
  return sums;
}

function batches<T>(entries: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(entries.length / size) }, (_, i) => entries.slice(i * size, (i + 1) * size));
}

for (let round = 0; round < rounds; round++) {
  for (const variant of ['before', 'after'] as const) {
    const database = await openDatabase({ url: undefined, dataDir: 'memory://', poolMax: 1 });
    await runMigrations(database, [socialMigrations]);
    const db = database.as<SocialTables>();
    await sql`insert into social.articles (slug, title, description, body, author_id, created_at)
      select 'bench-article-' || g, 'Bench article ' || g, 'Article ' || g, ${body}, 1 + g % 200, now() - g * interval '1 second'
      from generate_series(1, ${articles}) g`.execute(db);
    await sql`analyze`.execute(db);
    const store = new ArticleViewsStore(database);
    let busy = 0;
    let statements = 0;
    let longest = 0;
    const timed = async (run: () => Promise<unknown>) => {
      const started = performance.now();
      await run();
      const took = performance.now() - started;
      busy += took;
      statements++;
      longest = Math.max(longest, took);
    };
    for (let second = 1; second <= seconds; second++) {
      const sums = [...secondOfViews()];
      if (variant === 'before') {
        for (const batch of batches(sums, 50)) {
          await timed(() => sql`update social.articles as a set views_count = a.views_count + v.n
            from unnest(${batch.map(([id]) => id)}::bigint[], ${batch.map(([, n]) => n)}::bigint[]) as v(id, n)
            where a.id = v.id`.execute(db));
        }
      } else {
        for (const batch of batches(sums, 1_000)) await timed(() => store.append(new Map(batch)));
        if (second % FOLD_EVERY_S === 0) {
          for (let bucket = 0; bucket < VIEW_LOG_BUCKETS; bucket++) await timed(() => store.fold(bucket));
          await timed(() => store.reclaim());
        }
      }
    }
    const total = await sql<{ n: string }>`select sum(views_count)::text as n from social.articles`.execute(db);
    if (Number(total.rows[0]!.n) !== viewsPerSecond * seconds) throw new Error(`${variant}: ${total.rows[0]!.n} views written, ${viewsPerSecond * seconds} counted`);
    console.log(
      `round ${round}, ${variant}: ${(busy / seconds).toFixed(1)} ms of PGlite a second, ${(statements / seconds).toFixed(1)} statements a second, longest ${longest.toFixed(1)} ms`,
    );
    await database.close();
  }
}
