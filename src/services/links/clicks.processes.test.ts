import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Pool } from 'undici';
import { dbTargets } from '../../testing/db-targets.js';
import { createApiClient } from '../../testing/api-client.js';
import { registerUser } from '../../testing/fixtures.js';
import { spawnCli, type NodeProcess } from '../../testing/cli-process.js';
import { openSlot } from './analytics/open-click-store.js';
import { createLink, eventually } from './testing.js';

/** `total` redirects of `code`, spread over the processes, `concurrency` at a time; every answer must be a 302. */
async function redirects(processes: NodeProcess[], code: string, total: number, concurrency = 64): Promise<void> {
  const pools = processes.map((p) => new Pool(p.url, { connections: concurrency / processes.length }));
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const res = await pools[i % pools.length]!.request({ method: 'GET', path: `/${code}` });
      await res.body.dump();
      if (res.statusCode !== 302) throw new Error(`redirect ${i}: ${res.statusCode}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
}

async function clicksInPostgres(url: string, code: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ clicks: string }>('select clicks from links.links where code = $1', [code]);
    return Number(rows[0]?.clicks ?? -1);
  } finally {
    await client.end();
  }
}

/** Click events of `dataDir`'s slot 0 (a stopped process's hot store). */
async function clicksInAnalytics(dataDir: string): Promise<number> {
  const store = await openSlot(dataDir, 0);
  try {
    return await store.hotCount();
  } finally {
    await store.close();
  }
}

const [, postgres] = await dbTargets();

describe('link clicks through real processes [postgres]', postgres!.options, () => {
  it('100,000 redirects through two processes: Postgres and the analytics stores hold 100,000 after a graceful stop', async () => {
    const url = await postgres!.create();
    const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'links-procs-')));
    const env = { DATABASE_URL: url, JWT_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false', WRITE_BEHIND_FLUSH_MS: '200' };
    const processes: NodeProcess[] = [];
    try {
      for (const dir of dirs) processes.push(await spawnCli({ env: { ...env, DATA_DIR: dir } }));
      await Promise.all(processes.map((p) => p.waitReady('/readyz', 60_000)));
      const api = createApiClient(processes[0]!.url);
      const owner = await registerUser(api);
      const link = await createLink(api, owner.token, { url: 'https://count.example/' });
      await redirects(processes, link.code, 100_000);
      for (const p of processes) {
        const exit = await p.stop('SIGTERM', 30_000);
        assert.equal(exit.killed, false, p.output());
      }
      assert.equal(await clicksInPostgres(url!, link.code), 100_000);
      const perProcess = await Promise.all(dirs.map(clicksInAnalytics));
      assert.ok(perProcess.every((n) => n > 0), `both processes served: ${perProcess.join(', ')}`);
      assert.equal(perProcess[0]! + perProcess[1]!, 100_000);
    } finally {
      for (const p of processes) if (!p.hasExited()) await p.stop('SIGKILL');
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      await postgres!.drop(url);
    }
  });

  it('kill -9 loses at most the clicks served since the last flush (WRITE_BEHIND_FLUSH_MS)', async () => {
    const url = await postgres!.create();
    const dir = mkdtempSync(join(tmpdir(), 'links-kill-'));
    let process_: NodeProcess | undefined;
    try {
      process_ = await spawnCli({ env: { DATABASE_URL: url, DATA_DIR: dir, LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false', WRITE_BEHIND_FLUSH_MS: '200' } });
      await process_.waitReady('/readyz', 60_000);
      const api = createApiClient(process_.url);
      const owner = await registerUser(api);
      const link = await createLink(api, owner.token, { url: 'https://kill.example/' });
      await redirects([process_], link.code, 2_000, 16);
      // Everything served more than one interval ago is flushed...
      await eventually(async () => (await clicksInPostgres(url!, link.code)) === 2_000, 'the first 2,000 clicks flushed');
      // ...and what is served after the last flush is what a kill -9 can lose.
      await redirects([process_], link.code, 1_000, 16);
      await process_.stop('SIGKILL');
      const counted = await clicksInPostgres(url!, link.code);
      assert.ok(counted >= 2_000 && counted <= 3_000, `counted ${counted}: nothing flushed is lost, nothing is counted twice`);
    } finally {
      if (process_ && !process_.hasExited()) await process_.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      await postgres!.drop(url);
    }
  });
});
