import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { REPO_ROOT, type NodeProcess } from '../../testing/cli-process.js';
import { spawnHelloServer } from '../testing/peers.js';
import { skipUnlessAvailable } from '../../testing/services-required.js';
import { runLoad } from '../run.js';
import { saveReport } from './save.js';
import { parseStages } from '../stages.js';

/**
 * The HTML report really draws: a short ramp + spike run is rendered, opened
 * in Debian's Chromium (headless) and every chart must have drawn lines; a
 * screenshot of the first chart must have non-background pixels. The PNG is
 * kept in reports/ for a human to look at.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const options = skipUnlessAvailable(existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM} (apt-get install chromium)`);

let server: NodeProcess | undefined;
let browser: Browser | undefined;

before(async () => {
  if (options.skip) return;
  server = await spawnHelloServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

interface Drawn {
  charts: number;
  paths: Array<{ chart: string; series: string; points: number; length: number }>;
  scripts: number;
  externals: number;
  lateness: string | null;
}

test('the HTML report opens in Chromium with its charts drawn', options, async (t) => {
  const report = await runLoad({
    scenario: 'get',
    target: server!.url,
    stages: parseStages(['ramp:2s:50-300', 'spike:1s:600', 'steady:1s:200']),
    arrival: 'poisson',
    connections: 16,
    timeoutMs: 10_000,
    thresholds: [],
    seedFile: '',
    path: '/',
    randomSeed: 3,
    live: null,
  });
  const dir = join(REPO_ROOT, 'reports');
  const files = await saveReport(dir, report);
  const page = await browser!.newPage({ viewport: { width: 800, height: 1000 } });
  await page.goto(pathToFileURL(files.html).href);

  // A string, not a function: the repo's TypeScript has no DOM types.
  const drawn = await page.evaluate<Drawn>(`(() => ({
    charts: document.querySelectorAll('svg.chart').length,
    paths: [...document.querySelectorAll('svg.chart path')].map((p) => ({
      chart: p.ownerSVGElement.getAttribute('aria-label'),
      series: p.getAttribute('data-series'),
      points: (p.getAttribute('d').match(/[ML]/g) || []).length,
      length: p.getTotalLength(),
    })),
    scripts: document.scripts.length,
    externals: document.querySelectorAll('[src], link[href]').length,
    lateness: document.querySelector('p.lateness')?.textContent ?? null,
  }))()`);
  assert.equal(drawn.scripts, 0, 'self-contained: no scripts');
  assert.equal(drawn.externals, 0, 'self-contained: no external resources');
  assert.equal(drawn.charts, 6);
  assert.match(drawn.lateness ?? '', /^Sent after their due time .*: p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms\.$/, 'the generator\'s own delay is shown');
  const byChart = new Map<string, number>();
  for (const p of drawn.paths) byChart.set(p.chart, (byChart.get(p.chart) ?? 0) + (p.length > 0 ? p.points : 0));
  t.diagnostic(`points drawn per chart: ${JSON.stringify(Object.fromEntries(byChart))}`);
  for (const chart of ['Latency percentiles over time (from intended send time)', 'Throughput', 'p99 per request type']) {
    assert.ok((byChart.get(chart) ?? 0) >= 4, `${chart}: ${byChart.get(chart) ?? 0} points drawn`);
  }

  // Pixels: screenshot the first chart, decode it in the page, count non-white pixels.
  const png = await page.locator('svg.chart').first().screenshot();
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'load-report-chart.png'), png);
  const inked = await page.evaluate<number>(`(async () => {
    const img = new Image();
    img.src = 'data:image/png;base64,${png.toString('base64')}';
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width; canvas.height = img.height;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, img.width, img.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) n++;
    return n;
  })()`);
  t.diagnostic(`first chart screenshot: ${inked} non-background pixels`);
  assert.ok(inked > 2000, `only ${inked} drawn pixels in the latency chart`);

  // The page's CSP blocks script: one injected into it does not run.
  const injectedRan = await page.evaluate<boolean>(`(() => {
    window.__injected = false;
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true';
    document.head.appendChild(s);
    return window.__injected;
  })()`);
  assert.equal(injectedRan, false, 'an injected inline script ran: the report has no CSP');
  await page.close();
});
