/**
 * A real Prometheus (Debian's package) scrapes a running system: a temporary
 * config (scrape every 1 s, this repository's recording and alert rules) and
 * data directory, a free port; then its HTTP API shows the target up, the
 * request-latency series, recording rules computed from them, and every
 * dashboard expression evaluating without error.
 * Without the binary: skipped on a laptop, a failure under CI / REQUIRE_SERVICES.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipUnlessAvailable } from '../src/testing/services-required.js';
import { freePort } from '../src/testing/cli-process.js';
import { dbTargets } from '../src/testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../src/testing/test-system.js';
import { sleep } from '../src/testing/fixtures.js';
import { expressions, findBinary, missingReason, RULE_FILES } from './promtool.js';
import { shortLoad } from './testing/short-load.js';

const options = skipUnlessAvailable(missingReason('prometheus'));
const [pglite] = await dbTargets();

interface Sample { metric: Record<string, string>; value: [number, string] }
interface QueryResult { status: string; error?: string; data?: { resultType: string; result: Sample[] } }

describe('a real Prometheus scrapes the system', options, () => {
  let sys: TestSystem;
  let prometheus: ChildProcess | undefined;
  let dir: string;
  let api: string;
  let output = '';
  let stopped = false;
  let traffic: Promise<void> | undefined;

  async function query(expr: string): Promise<QueryResult> {
    const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await res.json()) as QueryResult;
  }

  /** Polls until the query returns at least one sample (Prometheus needs a few scrapes for rates). */
  async function waitForSamples(expr: string, timeoutMs = 30_000): Promise<Sample[]> {
    const deadline = Date.now() + timeoutMs;
    let last: QueryResult | undefined;
    while (Date.now() < deadline) {
      last = await query(expr).catch(() => undefined);
      const samples = last?.data?.result.filter((s) => s.value[1] !== 'NaN') ?? [];
      if (samples.length > 0) return samples;
      await sleep(500);
    }
    throw new Error(`no samples for ${expr} after ${timeoutMs} ms: ${JSON.stringify(last)}\nprometheus output:\n${output.slice(-2000)}`);
  }

  before(async () => {
    sys = await startTestSystem(pglite!);
    dir = await mkdtemp(join(tmpdir(), 'scalestack-prometheus-'));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    const config = [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: [${RULE_FILES.map((f) => JSON.stringify(f)).join(', ')}]`,
      'scrape_configs:',
      '  - job_name: scalestack',
      `    static_configs: [{ targets: [${JSON.stringify(new URL(sys.url).host)}] }]`,
    ].join('\n');
    await writeFile(join(dir, 'prometheus.yml'), config);
    prometheus = spawn(findBinary('prometheus')!, [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    prometheus.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    // Traffic from before the first scrape to the end, so rates have something to show.
    await waitForSamples('up{job="scalestack"}');
    await shortLoad(sys.api, 2);
    traffic = (async () => {
      while (!stopped) {
        await Promise.all([sys.api.get('/api/articles'), sys.api.get('/api/tags')]).catch(() => {});
        await sleep(100);
      }
    })();
  });

  after(async () => {
    stopped = true;
    await traffic;
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
    }
    await sys?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('up == 1 for the system\'s target', async () => {
    const [up] = await waitForSamples('up{job="scalestack"} == 1');
    assert.equal(up!.value[1], '1');
    assert.equal(up!.metric['instance'], new URL(sys.url).host, 'the target carries its instance label');
  });

  it('request-latency series are queryable, by service and route template', async () => {
    const samples = await waitForSamples('http_request_duration_seconds_count{service="social",route="/api/articles/:slug",method="GET"}');
    assert.ok(samples.some((s) => s.metric['status'] === '200'));
    const p99 = await waitForSamples('histogram_quantile(0.99, sum by (route, le) (rate(http_request_duration_seconds_bucket{route="/api/articles"}[1m])))');
    assert.ok(Number(p99[0]!.value[1]) > 0, `p99 of /api/articles: ${p99[0]!.value[1]}`);
  });

  it('recording rules compute from the scraped series', async () => {
    const traffic = await waitForSamples('service:http_requests:rate5m');
    assert.deepEqual([...new Set(traffic.map((s) => s.metric['service']))].sort().filter((s) => s !== 'none'), ['identity', 'platform', 'social']);
    await waitForSamples('cache:cache_hit_ratio:rate5m');
  });

  it('every dashboard and rule expression evaluates without error', async () => {
    for (const expr of expressions()) {
      const concrete = expr.replaceAll('$__rate_interval', '1m').replaceAll('$service', 'social');
      const result = await query(concrete);
      assert.equal(result.status, 'success', `${concrete}: ${result.error}`);
    }
  });
});
