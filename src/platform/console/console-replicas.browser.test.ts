// @isolated: starts a Postgres primary and a streaming standby of its own (initdb, pg_basebackup).
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { dbTargets, type DbTarget } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { startPrivateReplicatedServer, type ReplicatedDatabase } from '../../testing/replica-kit.js';
import { browserTestOptions, buildWebClient, launchChromium, screenshot } from '../../testing/browser.js';

/**
 * The console's read-replica panel on real streaming replication, with the faults panel's
 * "kill a replica": the replica's proxy cut, the monitor takes it out of rotation; restored, back in.
 */
const ADMIN_TOKEN = 'console-replicas-admin-token-0123456789';
const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
const browserOptions = browserTestOptions();
const options = browserOptions.skip ? browserOptions : postgres.options;

describe('console: replica lag and a replica cut off [postgres, streaming standby]', options, () => {
  let server: ReplicatedDatabase;
  let sys: TestSystem;
  let browser: Browser;
  before(async () => {
    buildWebClient();
    server = await startPrivateReplicatedServer();
    // The private primary's own database: created with the server, dropped with it.
    const target: DbTarget = { name: 'postgres', options: {}, create: async () => server.primaryUrl, drop: async () => {} };
    sys = await startTestSystem(target, {
      ADMIN_TOKEN,
      CONSOLE_FAULTS: true,
      DATABASE_REPLICA_URLS: server.replicaUrl,
      DATABASE_REPLICA_CHECK_MS: 100,
      DATABASE_REPLICA_MAX_LAG_MS: 1000,
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await sys?.close();
    await server?.close();
  });

  test('the replica shows its lag and serves reads; cut off it leaves rotation, restored it returns', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
    page.setDefaultTimeout(60_000);
    await page.goto(`${sys.url}/console`);
    await page.getByLabel('Admin token (ADMIN_TOKEN)').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Open console' }).click();
    const replica = page.locator('tr[data-replica]');
    await replica.locator('td.up', { hasText: 'yes' }).waitFor();
    await replica.locator('.lag', { hasText: / ms$/ }).waitFor();

    await page.getByRole('button', { name: 'Cut off replica-1' }).click();
    await page.locator('tr[data-target=replica-1] .fault-state', { hasText: 'cut off' }).waitFor();
    await replica.locator('td.down', { hasText: 'no' }).waitFor();
    await screenshot(page, 'console-replica-cut');

    await page.getByRole('button', { name: 'Restore replica-1' }).click();
    await replica.locator('td.up', { hasText: 'yes' }).waitFor();
    await page.context().close();
  });
});
