// How long the view counter's write-behind flush holds the event loop on PGlite (docs/perf/results.md, "The view
// counter's flush lets requests in between its batches"):
//   node --import tsx docs/perf/flush-event-loop-gap.mts [rounds=3] [rows=5000]
// A flush of `rows` distinct articles (the single-article rows of the realworld bench view ~5,000 a second), written
// by the real WriteBehindCounter in batches of 50, 100 and 200 keys, next to the same batches sent back to back
// (what the counter did before it waited a turn between them). Printed: the flush's time and the longest gap a 1 ms
// timer saw, which is how long a request that arrived meanwhile waited before it was even read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Registry } from 'prom-client';
import { WriteBehindCounter } from '../../src/platform/cache/write-behind.js';
import { createLogger } from '../../src/platform/log/logger.js';

const rounds = Number(process.argv[2] ?? 3);
const rows = Number(process.argv[3] ?? 5_000);
const body = 'Scaling is mostly about removing work from the hot path: cache what is read often. '.repeat(7);
const logger = createLogger({ level: 'silent', pretty: false });

const dir = mkdtempSync(join(tmpdir(), 'flush-gap-'));
const db = new PGlite(dir);
await db.exec(`create table articles (id bigserial primary key, slug text unique not null, title text, description text,
  author_id bigint, favorites_count int default 0, created_at timestamptz default now(), updated_at timestamptz default now(),
  tag_list text[], body text, views_count bigint not null default 0)`);
await db.exec(`create index articles_recent on articles (created_at desc, id desc)`);
await db.exec(`create index articles_author_recent on articles (author_id, created_at desc, id desc)`);
await db.exec(`insert into articles (slug, title, description, author_id, tag_list, body) select 'bench-article-' || g,
  'Bench article ' || g, 'Article ' || g, g % 1000, array['node', 'redis'], '${body}' from generate_series(1, 10000) g`);

// The statement ArticlesStore.addViews ran until the views went to a log (social migration 11, view-log-cost.mts).
const addViews = async (increments: ReadonlyMap<number, number>) => {
  await db.query('update articles as a set views_count = a.views_count + v.n from unnest($1::bigint[], $2::bigint[]) as v(id, n) where a.id = v.id', [
    [...increments.keys()],
    [...increments.values()],
  ]);
};

let last = performance.now();
let longestGap = 0;
const ticker = setInterval(() => {
  const now = performance.now();
  longestGap = Math.max(longestGap, now - last);
  last = now;
}, 1);

async function measure(label: string, flush: (ids: number[]) => Promise<void>, round: number): Promise<string> {
  const ids = Array.from({ length: rows }, (_, i) => ((i * 7919 + round * 13) % 10_000) + 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  longestGap = 0;
  last = performance.now();
  const started = performance.now();
  await flush(ids);
  const took = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 5));
  return `${label}: flush ${took.toFixed(0)} ms, longest event-loop gap ${longestGap.toFixed(1)} ms`;
}

for (let round = 0; round < rounds; round++) {
  for (const batchKeys of [200, 100, 50]) {
    console.log(
      await measure(`round ${round}, ${rows} rows, batches of ${batchKeys} back to back`, async (ids) => {
        for (let start = 0; start < ids.length; start += batchKeys) await addViews(new Map(ids.slice(start, start + batchKeys).map((id) => [id, 1])));
      }, round),
    );
    console.log(
      await measure(`round ${round}, ${rows} rows, batches of ${batchKeys}, WriteBehindCounter`, async (ids) => {
        const counter = new WriteBehindCounter({ name: 'views', flushEveryMs: 3_600_000, batchKeys, flush: addViews, registry: new Registry(), logger });
        for (const id of ids) counter.increment(id);
        await counter.close();
      }, round),
    );
  }
}
clearInterval(ticker);
await db.close();
rmSync(dir, { recursive: true, force: true });
