import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Pool } from 'undici';
import { dbTargets } from '../../testing/db-targets.js';
import { createApiClient } from '../../testing/api-client.js';
import { registerUser } from '../../testing/fixtures.js';
import { spawnCli, type NodeProcess } from '../../testing/cli-process.js';
import { openSharedClickStore } from './analytics/open-click-store.js';
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

/** Click events in the analytics store of `dataDir`, every process's files (readable while they run). */
async function clicksInAnalytics(dataDir: string): Promise<number> {
  const store = await openSharedClickStore({ dataDir });
  try {
    return await store.hotCount();
  } finally {
    await store.close();
  }
}

/** The names the processes wrote their click files under (one per process). */
function writersOf(dataDir: string): Set<string> {
  const hot = join(dataDir, 'links', 'hot');
  return new Set(readdirSync(hot).flatMap((day) => readdirSync(join(hot, day)).filter((f) => !f.startsWith('.')).map((f) => f.split('-')[0]!)));
}

const [, postgres] = await dbTargets();

describe('link clicks through real processes [postgres]', postgres!.options, () => {
  it('100,000 redirects through two processes on one DATA_DIR: either process answers 100,000 from the analytics store; after a graceful stop Postgres and the store hold 100,000', async () => {
    const url = await postgres!.create();
    const dir = mkdtempSync(join(tmpdir(), 'links-procs-'));
    const env = { DATABASE_URL: url, DATA_DIR: dir, JWT_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false', WRITE_BEHIND_FLUSH_MS: '200' };
    const processes: NodeProcess[] = [];
    try {
      for (let i = 0; i < 2; i++) processes.push(await spawnCli({ env }));
      await Promise.all(processes.map((p) => p.waitReady('/readyz', 60_000)));
      const api = createApiClient(processes[0]!.url);
      const owner = await registerUser(api);
      const link = await createLink(api, owner.token, { url: 'https://count.example/' });
      await redirects(processes, link.code, 100_000);
      // One truth: each process's stats read the click files of both.
      for (const p of processes) {
        const stats = async () => (await createApiClient(p.url).get(`/api/links/${link.code}/stats`, { token: owner.token })).body.stats.total;
        await eventually(async () => (await stats()) === 100_000, `100,000 clicks in the stats of ${p.url}`);
      }
      assert.equal(writersOf(dir).size, 2, 'both processes wrote click files');
      for (const p of processes) {
        const exit = await p.stop('SIGTERM', 30_000);
        assert.equal(exit.killed, false, p.output());
      }
      assert.equal(await clicksInPostgres(url!, link.code), 100_000);
      assert.equal(await clicksInAnalytics(dir), 100_000);
    } finally {
      for (const p of processes) if (!p.hasExited()) await p.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      await postgres!.drop(url);
    }
  });

  it('kill -9 loses at most the clicks served since the last flush (WRITE_BEHIND_FLUSH_MS), in Postgres and in the analytics store', async () => {
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
      await eventually(async () => (await clicksInAnalytics(dir)) === 2_000, 'the first 2,000 click events written');
      // ...and what is served after the last flush is what a kill -9 can lose.
      await redirects([process_], link.code, 1_000, 16);
      await process_.stop('SIGKILL');
      const counted = await clicksInPostgres(url!, link.code);
      assert.ok(counted >= 2_000 && counted <= 3_000, `counted ${counted}: nothing flushed is lost, nothing is counted twice`);
      const events = await clicksInAnalytics(dir);
      assert.ok(events >= 2_000 && events <= 3_000, `${events} click events: nothing written is lost, nothing is counted twice`);
    } finally {
      if (process_ && !process_.hasExited()) await process_.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      await postgres!.drop(url);
    }
  });
});
