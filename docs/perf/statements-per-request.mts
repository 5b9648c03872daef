// SQL statements per signed-in request, warm cache, Postgres (issue 21 figures, docs/perf/results.md):
//   node --import tsx docs/perf/statements-per-request.mts <checkout>
const root = process.argv[2]!;
const { startTestSystem } = await import(`${root}/src/testing/test-system.ts`);
const { dbTargets } = await import(`${root}/src/testing/db-targets.ts`);
const { registerUser, createArticle, follow } = await import(`${root}/src/testing/fixtures.ts`);
const target = (await dbTargets()).find((t: { name: string }) => t.name === 'postgres');
const sys = await startTestSystem(target);
try {
  const author = await registerUser(sys.api);
  const viewer = await registerUser(sys.api);
  const a = await createArticle(sys.api, author.token);
  await follow(sys.api, viewer.token, author.username);
  const paths = ['/api/articles', `/api/articles/${a.slug}`, '/api/articles/feed'];
  for (const p of paths) for (let i = 0; i < 3; i++) await sys.api.get(p, { token: viewer.token }); // warm
  const before = await sys.metrics.registry.getSingleMetric('db_statements_per_request').get();
  for (const p of paths) for (let i = 0; i < 20; i++) await sys.api.get(p, { token: viewer.token });
  const after = await sys.metrics.registry.getSingleMetric('db_statements_per_request').get();
  const pick = (m: any, route: string, name: string) => m.values.find((v: any) => v.metricName === `db_statements_per_request_${name}` && v.labels.route === route && v.labels.method === 'GET')?.value ?? 0;
  for (const route of ['/api/articles', '/api/articles/:slug', '/api/articles/feed']) {
    const n = pick(after, route, 'count') - pick(before, route, 'count');
    const s = pick(after, route, 'sum') - pick(before, route, 'sum');
    console.log(`${route}: ${n} signed-in requests, ${(s / n).toFixed(2)} SQL statements per request`);
  }
} finally {
  await sys.close();
}
