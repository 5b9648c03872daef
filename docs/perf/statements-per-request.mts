// SQL statements per read, Postgres (issue 21 figures, docs/perf/results.md and docs/patterns/queries-first.md):
//   node --import tsx docs/perf/statements-per-request.mts <checkout>            signed in, warm cache
//   node --import tsx docs/perf/statements-per-request.mts <checkout> cache-off  CACHE_ENABLED=false, anonymous and signed in
const root = process.argv[2]!;
const cacheOff = process.argv[3] === 'cache-off';
const { startTestSystem } = await import(`${root}/src/testing/test-system.ts`);
const { dbTargets } = await import(`${root}/src/testing/db-targets.ts`);
const { registerUser, createArticle, follow } = await import(`${root}/src/testing/fixtures.ts`);
const target = (await dbTargets()).find((t: { name: string }) => t.name === 'postgres');
const sys = await startTestSystem(target, cacheOff ? { CACHE_ENABLED: false } : {});
try {
  const author = await registerUser(sys.api);
  const viewer = await registerUser(sys.api);
  const a = await createArticle(sys.api, author.token);
  await follow(sys.api, viewer.token, author.username);
  const paths = ['/api/articles', `/api/articles/${a.slug}`, '/api/articles/feed'];
  const pick = (m: any, route: string, name: string) => m.values.find((v: any) => v.metricName === `db_statements_per_request_${name}` && v.labels.route === route && v.labels.method === 'GET')?.value ?? 0;
  const measure = async (label: string, token: string | undefined) => {
    const reads = token ? paths : paths.slice(0, 2); // the feed needs a user
    for (const p of reads) for (let i = 0; i < 3; i++) await sys.api.get(p, { token }); // warm
    const before = await sys.metrics.registry.getSingleMetric('db_statements_per_request').get();
    for (const p of reads) for (let i = 0; i < 20; i++) await sys.api.get(p, { token });
    const after = await sys.metrics.registry.getSingleMetric('db_statements_per_request').get();
    for (const route of ['/api/articles', '/api/articles/:slug', '/api/articles/feed'].slice(0, reads.length)) {
      const n = pick(after, route, 'count') - pick(before, route, 'count');
      const s = pick(after, route, 'sum') - pick(before, route, 'sum');
      console.log(`${route}: ${n} ${label} requests${cacheOff ? ', cache off' : ''}, ${(s / n).toFixed(2)} SQL statements per request`);
    }
  };
  if (cacheOff) await measure('anonymous', undefined);
  await measure('signed-in', viewer.token);
} finally {
  await sys.close();
}
