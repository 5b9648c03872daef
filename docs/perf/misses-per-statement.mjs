// How many cache misses share a statement when every request misses (ADR 0048, batchedLookup), embedded:
//   node tools/build-server.mjs && ARTICLES=2000 node docs/perf/misses-per-statement.mjs
// Starts the built system on a fresh data directory with a 1 s article TTL (TTL=<s> to change it), posts ARTICLES
// articles, then reads them by slug for 5 s at 10 connections, so each key expires about once a second under its
// readers. Prints req/s, p99, the SQL statements per request and the misses per statement.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const articles = Number(process.env.ARTICLES ?? 600);
const port = 18_000 + Math.floor(Math.random() * 1000);
const dataDir = mkdtempSync(join(tmpdir(), 'misses-per-statement-'));
const env = {
  ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false',
  ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', CACHE_TTL_ARTICLE_S: process.env.TTL ?? '1',
};
const system = spawn('node', ['build/cli/main.js', 'start'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    if (i === 150) throw new Error('the system did not answer within 30 s');
    if (await fetch(`${base}/api/tags`).then((r) => r.ok, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const post = async (path, body, token) => {
    const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) };
    const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const { user } = await post('/api/users', { user: { username: 'reader', email: 'reader@example.com', password: 'password123' } });
  const slugs = [];
  for (let i = 0; i < articles; i++) {
    const { article } = await post('/api/articles', { article: { title: `Article ${i}`, description: 'd', body: 'b'.repeat(600), tagList: ['x'] } }, user.token);
    slugs.push(article.slug);
    if ((i + 1) % 500 === 0) console.log(`posted ${i + 1}/${articles}`);
  }
  const counts = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const sum = (re) => [...text.matchAll(re)].reduce((total, m) => total + Number(m[1]), 0);
    return { statements: sum(/^db_queries_total\{[^}]*\} (\S+)/gm), misses: sum(/^cache_misses_total\{cache="article"[^}]*\} (\S+)/gm) };
  };
  let next = 0;
  const before = await counts();
  const result = await autocannon({
    url: base, connections: 10, duration: 5,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/articles/${slugs[(next++ * 7919) % slugs.length]}` }) }],
  });
  const after = await counts();
  const requests = result.requests.total;
  const statements = after.statements - before.statements;
  const misses = after.misses - before.misses;
  console.log(`${requests} requests (${(requests / 5).toFixed(0)} req/s, p99 ${result.latency.p99} ms, ${result.non2xx} not 2xx); ` +
    `${statements} statements (${(statements / requests).toFixed(2)} a request), ${misses} article misses (${(misses / Math.max(statements, 1)).toFixed(1)} a statement)`);
} finally {
  system.kill('SIGTERM');
  await new Promise((resolve) => system.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
