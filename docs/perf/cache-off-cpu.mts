// Cache-off reads under load with CPU per request (issue 21, docs/patterns/queries-first.md): loads one endpoint of a
// running server with autocannon and reports req/s, p50/p99 and the CPU milliseconds per request of the server
// process and of the database's Postgres backends (from /proc, so on the same machine as both):
//   node --import tsx docs/perf/cache-off-cpu.mts <url> <server pid> <database> <seconds> <connections> <endpoint> <seed file>
// endpoint: list | single | feed | feedwarm (every seeded reader's feed read once first, as the realworld bench does).
// The seed file is `scalestack seed --bulk ... --out <file>`'s (tokens; article slugs, or bench-article-<i> when it has none).
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { measure, type LoadSpec } from '../../bench/lib/load.ts';

const [url, pid, db, secs, conns, name, seedFile] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const seed = JSON.parse(readFileSync(seedFile, 'utf8')) as { users: { token: string }[]; articles: { slug: string }[] };
const tokens = seed.users.map((u) => u.token);
const slugs = seed.articles.length > 0 ? seed.articles.map((a) => a.slug) : Array.from({ length: 10_000 }, (_, i) => `bench-article-${i}`);
const auth = (i: number) => ({ authorization: `Token ${tokens[i % tokens.length]}` });
const specs: Record<string, LoadSpec> = {
  list: { endpoint: 'GET /api/articles', url, path: '/api/articles' },
  single: { endpoint: 'GET /api/articles/:slug', url, path: `/api/articles/${slugs[0]}`, next: (i) => ({ path: `/api/articles/${slugs[(i * 7919) % slugs.length]}` }) },
  feed: { endpoint: 'GET /api/articles/feed', url, path: '/api/articles/feed', next: (i) => ({ headers: auth(i) }) },
};
specs['feedwarm'] = { ...specs['feed']!, endpoint: 'GET /api/articles/feed (built timelines)' };
const spec = specs[name];
if (!spec) throw new Error(`endpoint: one of ${Object.keys(specs).join(', ')}`);

/** utime + stime of a process, in clock ticks (100 a second). */
const ticks = (p: string) => {
  try {
    const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
};
const backends = () =>
  execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-Atc', `select pid from pg_stat_activity where datname = '${db}' and pid <> pg_backend_pid()`])
    .toString().trim().split('\n').filter(Boolean);

if (name === 'feedwarm') {
  for (let i = 0; i < tokens.length; i += 10) {
    await Promise.all(tokens.slice(i, i + 10).map((t) => fetch(`${url}/api/articles/feed`, { headers: { authorization: `Token ${t}` } }).then((r) => r.arrayBuffer())));
  }
}
// A second of load first, so the pool's backends exist before they are read.
await measure(spec, { connections: Number(conns), durationSeconds: 1, warmupSeconds: 0 });
const pids = backends();
const before = { node: ticks(pid), pg: pids.reduce((s, p) => s + ticks(p), 0) };
const r = await measure(spec, { connections: Number(conns), durationSeconds: Number(secs), warmupSeconds: 0 });
const after = { node: ticks(pid), pg: pids.reduce((s, p) => s + ticks(p), 0) };
const perRequest = (t: number) => ((t * 10) / r.requests).toFixed(2);
console.log(
  `${r.endpoint}: ${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ` +
    `server ${perRequest(after.node - before.node)} ms CPU/request, Postgres ${perRequest(after.pg - before.pg)} ms CPU/request ` +
    `(${pids.length} backends), errors ${r.errors}`,
);
