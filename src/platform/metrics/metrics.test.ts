/**
 * /metrics, /healthz and /readyz on a running system: request latency is
 * labelled by route template (never by the raw path, which would explode
 * the series count), and the process metrics are there.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { createArticle, registerUser, unique } from '../../testing/fixtures.js';

const [pglite] = await dbTargets();

describe('metrics and health endpoints', () => {
  let sys: TestSystem;
  let slugs: string[];
  let username: string;
  const missingSlug = unique('no-such-article-');
  const strayPath = `/${unique('stray')}/${unique('path')}`;

  before(async () => {
    sys = await startTestSystem(pglite!);
    const author = await registerUser(sys.api);
    username = author.username;
    slugs = [];
    for (let i = 0; i < 3; i++) slugs.push((await createArticle(sys.api, author.token, { title: unique('Metric Title ') })).slug);
    for (const slug of slugs) {
      assert.equal((await sys.api.get(`/api/articles/${slug}`)).status, 200);
      assert.equal((await sys.api.get(`/api/articles/${slug}`, { token: author.token })).status, 200);
    }
    assert.equal((await sys.api.get(`/api/articles/${missingSlug}`)).status, 404);
    assert.equal((await sys.api.get(`/api/profiles/${username}`)).status, 200);
    assert.equal((await sys.api.get(`/api/profiles/${unique('ghost')}`)).status, 404);
    assert.equal((await sys.api.get(strayPath)).status, 404);
  });

  after(async () => {
    await sys?.close();
  });

  async function scrape(): Promise<string> {
    const res = await fetch(new URL('/metrics', sys.url));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    return res.text();
  }

  /** Label sets of one metric's series, e.g. [{route, method, status, le}]. */
  function series(text: string, name: string): Array<Record<string, string>> {
    return text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`))
      .map((line) => {
        const labels: Record<string, string> = {};
        for (const m of line.slice(name.length + 1, line.indexOf('}')).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
        return labels;
      });
  }

  it('labels request latency by route template, not by path', async () => {
    const text = await scrape();
    const buckets = series(text, 'http_request_duration_seconds_bucket');
    const forRoute = (route: string, status: string) => buckets.filter((l) => l['route'] === route && l['method'] === 'GET' && l['status'] === status);

    assert.ok(forRoute('/api/articles/:slug', '200').length > 0, 'a 200 series for /api/articles/:slug');
    assert.ok(forRoute('/api/articles/:slug', '404').length > 0, 'a 404 series for /api/articles/:slug (handler said not found)');
    assert.ok(forRoute('/api/profiles/:username', '200').length > 0, 'a series for /api/profiles/:username');
    assert.ok(buckets.some((l) => l['le'] === '+Inf'));

    // Six GETs of three different slugs: one series, count 6.
    const count = text.split('\n').find((l) => l.startsWith('http_request_duration_seconds_count{') && l.includes('route="/api/articles/:slug"') && l.includes('status="200"'));
    assert.ok(count, 'a _count line for the slug route');
    assert.equal(Number(count.split(' ').at(-1)), 6);

    for (const raw of [...slugs, missingSlug, username, strayPath]) {
      assert.ok(!text.includes(raw), `the raw value "${raw}" must not appear in /metrics`);
    }
    const routes = new Set(buckets.map((l) => l['route']));
    for (const route of routes) assert.ok(route === 'unmatched' || route!.startsWith('/'), `route label ${route}`);
    assert.ok(routes.has('unmatched'), 'a request no route matched is labelled "unmatched"');
  });

  it('the in-flight gauge, by service: the scrape itself is in flight, every answered request has left it', async () => {
    const text = await scrape();
    const inFlight = (service: string) => Number(text.split('\n').find((l) => l.startsWith(`http_requests_in_flight{service="${service}"}`))?.split(' ').at(-1));
    assert.equal(inFlight('platform'), 1, '/metrics, while it answers');
    assert.equal(inFlight('social'), 0, 'the article reads of before(), all answered');
    assert.equal(inFlight('none'), 0, 'the request no route matched');
  });

  it('exports process and runtime metrics', async () => {
    const text = await scrape();
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      assert.match(text, new RegExp(`^${name} `, 'm'), `${name} is exported`);
    }
    assert.match(text, /^# TYPE http_request_duration_seconds histogram$/m);
  });

  it('GET /healthz is 200 {"status":"ok"}', async () => {
    const res = await sys.api.get('/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok' });
  });

  it('GET /readyz is 200 with its checks', async () => {
    const res = await sys.api.get('/readyz');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { status: 'ready', checks: { migrations: 'ok', database: 'ok' } });
  });
});
