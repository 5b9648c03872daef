// What an embedded single-article miss costs, in parts, one at a time in one process (docs/perf/results.md, "The feed
// goal holds; the realworld bench's default rows run into the warm-up's expiry wave"):
//   node --import tsx docs/perf/embedded-miss-cost.mts [rounds=3]
// - the statement alone: PGlite (in memory and on a data directory) answering the single article's select by slug
//   over 10,000 rows, next to `select 1`, PGlite's floor per statement, and to the same rows read 4 and 10 slugs a
//   statement (`slug = any($1)`, as batchedLookup sends misses that arrive together);
// - the view counter's write-behind flush (one statement per second, as ArticlesStore.addViews wrote them before social migration 11) updating 1,000, 3,000 and
//   6,000 of those rows: all that time PGlite's one connection is busy, and a miss arriving then waits for it;
// - the cache alone: the embedded cache (near cache over bentocache's L1, no REDIS_URL) missing a new key whose
//   loader answers at once with an article-sized record, next to a near hit of the same keys.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { openCache } from '../../src/platform/cache/open-cache.js';
import { loadConfig } from '../../src/platform/config/load-config.js';
import { createLogger } from '../../src/platform/log/logger.js';
import { createMetrics } from '../../src/platform/metrics/metrics.js';

const rounds = Number(process.argv[2] ?? 3);
const N = 5_000;
const us = (ms: number, n: number) => `${((ms * 1000) / n).toFixed(0)} µs`;
const body = 'Scaling is mostly about removing work from the hot path: cache what is read often. '.repeat(7);

for (const where of ['in memory', 'on a data directory'] as const) {
  const dir = where === 'in memory' ? undefined : mkdtempSync(join(tmpdir(), 'miss-cost-'));
  const db = dir ? new PGlite(dir) : new PGlite();
  await db.exec(`create table articles (id bigserial primary key, slug text unique not null, title text, description text,
    author_id bigint, favorites_count int default 0, created_at timestamptz default now(), updated_at timestamptz default now(),
    tag_list text[], body text)`);
  await db.exec(`insert into articles (slug, title, description, author_id, tag_list, body) select 'bench-article-' || g,
    'Bench article ' || g, 'Article ' || g, g % 1000, array['node', 'redis'], '${body}' from generate_series(1, 10000) g`);
  const bySlug = 'select id, slug, title, description, author_id, favorites_count, created_at, updated_at, tag_list, body from articles where slug = $1';
  const bySlugs = bySlug.replace('slug = $1', 'slug = any($1)');
  for (let round = 0; round < rounds; round++) {
    let t = performance.now();
    for (let i = 0; i < N; i++) await db.query(bySlug, [`bench-article-${((i * 7919) % 10000) + 1}`]);
    const select = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < N; i++) await db.query('select 1');
    const floor = performance.now() - t;
    // The same rows by `slug = any($1)`, 4 and 10 slugs a statement: what batchedLookup makes of misses that arrive together.
    const batched: string[] = [];
    for (const size of [4, 10]) {
      t = performance.now();
      for (let i = 0; i < N; i += size) {
        await db.query(bySlugs, [Array.from({ length: size }, (_, k) => `bench-article-${(((i + k) * 7919) % 10000) + 1}`)]);
      }
      batched.push(`${size} a statement ${us(performance.now() - t, N)}`);
    }
    console.log(`PGlite ${where}, round ${round + 1}: the select by slug ${us(select, N)} (by any(): ${batched.join(', ')} per slug), select 1 ${us(floor, N)}`);
  }
  await db.exec('alter table articles add column views_count bigint not null default 0');
  for (const rows of [1_000, 3_000, 6_000]) {
    const ids = Array.from({ length: rows }, (_, i) => ((i * 7919) % 10000) + 1);
    const t = performance.now();
    await db.query('update articles as a set views_count = a.views_count + v.n from unnest($1::bigint[], $2::bigint[]) as v(id, n) where a.id = v.id', [
      ids,
      ids.map(() => 1),
    ]);
    console.log(`PGlite ${where}: a view-count flush of ${rows} rows ${(performance.now() - t).toFixed(0)} ms`);
  }
  await db.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

const cache = await openCache(loadConfig({}, {}), createMetrics(), createLogger({ level: 'silent', pretty: false }));
const record = (i: number) => ({
  id: i, slug: `bench-article-${i}`, title: `Bench article ${i}`, description: `Article ${i}`, authorId: i % 1000, favoritesCount: 0,
  createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), tagList: ['node', 'redis'], body,
});
for (let round = 0; round < rounds; round++) {
  const keys = Array.from({ length: N }, (_, i) => `slug:round-${round}-${i}`);
  let t = performance.now();
  for (const [i, key] of keys.entries()) await cache.getOrLoad('article', key, async () => record(i));
  const miss = performance.now() - t;
  t = performance.now();
  for (const [i, key] of keys.entries()) await cache.getOrLoad('article', key, async () => record(i));
  console.log(`embedded cache, round ${round + 1}: a miss ${us(miss, N)}, a near hit ${us(performance.now() - t, N)}`);
}
await cache.close();
