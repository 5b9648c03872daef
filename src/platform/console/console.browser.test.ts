import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { browserTestOptions, buildWebClient, launchChromium, screenshot } from '../../testing/browser.js';
import { redisUnavailable, TEST_REDIS_URL } from '../../testing/redis-probe.js';
import { dropRedisKeys } from '../../testing/redis-keys.js';
import { skipUnlessAvailable } from '../../testing/services-required.js';
import { eventually } from '../../testing/order-fixtures.js';
import { DeadLetterStore } from '../bus/dead-letters.js';

/**
 * The console in Chromium against two processes sharing a Redis (their switches travel over its
 * pub/sub): a feed-strategy change made in the first process's console is applied by the second,
 * and a 10 s load run started from the console draws its p99 live; dead letters are replayed from
 * the DLQ panel, and the faults panel cuts the first process off its Redis and restores it.
 */
const ADMIN_TOKEN = 'console-test-admin-token-0123456789';
const browserOptions = browserTestOptions();
const options = browserOptions.skip ? browserOptions : skipUnlessAvailable(await redisUnavailable());
const [pglite] = await dbTargets();

describe('operations console in Chromium, two processes on one Redis [pglite]', options, () => {
  let first: TestSystem;
  let second: TestSystem;
  let browser: Browser;
  const prefix = `webtest${randomBytes(4).toString('hex')}`;
  before(async () => {
    buildWebClient();
    const shared = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, ADMIN_TOKEN, FEED_STRATEGY: 'hybrid' as const };
    // The first reaches its Redis through the faults panel's proxy (CONSOLE_FAULTS).
    [first, second] = await Promise.all([startTestSystem(pglite!, { ...shared, CONSOLE_FAULTS: true }), startTestSystem(pglite!, shared)]);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await Promise.all([first?.close(), second?.close()]);
    // Its private prefix's keys (bus streams and job queues never expire) would outlive the run on the shared Redis.
    await dropRedisKeys(TEST_REDIS_URL, `${prefix}:*`);
  });

  async function openConsole(url: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
    page.setDefaultTimeout(60_000);
    await page.goto(`${url}/console`);
    await page.getByLabel('Admin token (ADMIN_TOKEN)').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Open console' }).click();
    await page.getByRole('heading', { name: 'Topology' }).waitFor();
    return page;
  }

  const ownRow = (page: Page) => page.locator('tr', { hasText: '(this one)' }).locator('.applied-feed');

  test('a feed strategy flipped in one process\'s console takes effect in the second process', async () => {
    const a = await openConsole(first.url);
    const b = await openConsole(second.url);
    await ownRow(b).filter({ hasText: 'hybrid' }).waitFor();
    // Each console lists the other process once its heartbeat arrives.
    await a.locator('tr', { hasText: second.url.replace('http://', '') }).waitFor();

    await a.getByLabel('Feed strategy').selectOption('pull');
    await a.getByRole('button', { name: 'Apply to every process' }).click();
    // The second process applied it (its own console says so, and its heartbeat tells the first).
    await ownRow(b).filter({ hasText: 'pull' }).waitFor();
    await a.locator('tr', { hasText: second.url.replace('http://', '') }).locator('.applied-feed', { hasText: 'pull' }).waitFor();
    const state = await (await fetch(`${second.url}/console/api/state`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json() as { switches: { feedStrategy: string }; changes: { changed: object }[] };
    assert.equal(state.switches.feedStrategy, 'pull');
    assert.deepEqual(state.changes.at(-1)?.changed, { feedStrategy: 'pull' });
    // The change is logged and marked on the charts.
    await b.getByRole('list', { name: 'Switch changes' }).getByText('feedStrategy=pull').waitFor();
    assert.ok((await b.locator('[data-testid=chart-rate] .marker').count()) > 0, 'the change is a marker on the charts');
    await a.context().close();
    await b.context().close();
  });

  test('a 10 s load run started from the console streams its p99 into the chart', async () => {
    const page = await openConsole(first.url);
    await page.getByLabel('Path').fill('/api/tags');
    await page.getByLabel('Rate (req/s)').fill('40');
    await page.getByLabel('Seconds').fill('10');
    await page.getByRole('button', { name: 'Start load run' }).click();
    const chart = page.getByTestId('chart-load-p99');
    await chart.and(page.locator('[data-points="3"]')).waitFor({ timeout: 30_000 });
    const early = Number(await chart.getAttribute('data-points'));
    await page.locator('.load-status', { hasText: 'Done' }).waitFor({ timeout: 40_000 });
    const points = Number(await chart.getAttribute('data-points'));
    assert.ok(points > early && points >= 8, `the chart grew while the run went on (${early} -> ${points} points)`);
    assert.equal(await chart.locator('polyline').count(), 1);
    // The run's requests show in the golden signals too.
    await page.getByTestId('chart-rate').locator('.legend').getByText('social /api/tags').waitFor();
    await screenshot(page, 'console');
    await page.context().close();
  });

  test('the DLQ panel counts dead letters per consumer and a replay sends one back to its consumer', async () => {
    const handled: unknown[] = [];
    await first.bus.subscribe('console.browser', 'console-browser-group', async ({ payload }) => void handled.push(payload));
    const store = new DeadLetterStore(first.db);
    for (const n of [1, 2]) {
      await store.put('event', 'console-browser-group', { id: randomUUID(), topic: 'console.browser', key: 'k', payload: { n }, headers: {}, attempt: 5 }, `handler threw: boom ${n}`);
    }
    const [oldest] = await store.list({ consumer: 'console-browser-group' });
    const page = await openConsole(first.url);
    const panel = page.locator('.dlq');
    await panel.locator('.dlq-pending', { hasText: '2' }).waitFor();
    await panel.getByRole('cell', { name: 'handler threw: boom 1' }).waitFor();
    await page.getByRole('button', { name: `Replay dead letter ${oldest!.id}` }).click();
    await eventually('the replayed event handled', async () => handled.length === 1);
    assert.deepEqual(handled, [{ n: 1 }]);
    await panel.locator('.dlq-pending', { hasText: '1' }).waitFor();
    assert.equal(await page.getByRole('button', { name: `Replay dead letter ${oldest!.id}` }).count(), 0, 'the replayed letter left the list');
    await screenshot(page, 'console-dlq');
    await page.getByRole('button', { name: 'Replay console-browser-group' }).click();
    await eventually('both handled', async () => handled.length === 2);
    await panel.locator('.dlq-pending', { hasText: '0' }).waitFor();
    await page.context().close();
  });

  test('the faults panel cuts the process off its Redis (the cache breaker opens) and restores it (closes again)', async () => {
    const page = await openConsole(first.url);
    const row = page.locator('tr[data-target=redis]');
    await row.locator('.fault-state', { hasText: 'healthy' }).waitFor();
    const cache = page.locator('.deps li', { hasText: 'redis (cache)' });
    await cache.filter({ hasText: 'closed (up)' }).waitFor();

    await page.getByRole('button', { name: 'Cut off redis' }).click();
    await row.locator('.fault-state', { hasText: 'cut off' }).waitFor();
    await cache.filter({ hasText: 'open (down)' }).waitFor();
    await page.getByTestId('chart-rate').locator('.marker', { hasText: 'redis: cut' }).waitFor();
    // The site still answers: the cache falls back to the process and the database.
    assert.equal((await fetch(`${first.url}/api/tags`)).status, 200);
    await screenshot(page, 'console-faults');

    await page.getByLabel('Latency for redis (ms)').fill('150');
    await page.getByRole('button', { name: 'Add latency' }).click();
    await row.locator('.fault-state', { hasText: '+150 ms latency' }).waitFor();
    await cache.filter({ hasText: 'closed (up)' }).waitFor();
    await page.getByRole('button', { name: 'Restore redis' }).click();
    await row.locator('.fault-state', { hasText: 'healthy' }).waitFor();
    const faults = await (await fetch(`${first.url}/console/api/faults`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json() as { targets: { name: string; fault: { kind: string } }[] };
    assert.deepEqual(faults.targets.map((t) => [t.name, t.fault.kind]), [['redis', 'none']]);
    await page.context().close();
  });
});
