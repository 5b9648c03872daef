import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { cliEntry, sleep, spawnScript, type NodeProcess } from '../testing/cli-process.js';
import { dbTargets } from '../testing/db-targets.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;

/** The exit, or a failure (after stopping it) when the process is still running after 30 s: it started on the bad secret. */
async function exitOf(proc: NodeProcess) {
  const exit = await Promise.race([proc.exited, sleep(30_000).then(() => null)]);
  if (exit) return exit;
  await proc.stop('SIGTERM', 10_000);
  return assert.fail(`it started on a short secret:\n${proc.output()}`);
}

describe('scalestack start refuses a short DATA_DIR/jwt-secret', () => {
  for (const [label, content] of [['empty', ''], ['1-byte', 'k']] as const) {
    it(`an ${label} secret file: exit 2 naming the file, before anything is written (PGlite)`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'scalestack-secret-'));
      try {
        await writeFile(join(dir, 'jwt-secret'), content);
        const proc = await spawnScript(cliEntry(), ['start'], { env: { DATA_DIR: dir, LOG_LEVEL: 'warn' } });
        const exit = await exitOf(proc);
        assert.equal(exit.code, 2, proc.output());
        assert.ok(proc.output().includes(join(dir, 'jwt-secret')), proc.output());
        assert.match(proc.output(), /at least 32/);
        assert.deepEqual(await readdir(dir), ['jwt-secret'], 'no database was created');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  it('an empty secret file with DATABASE_URL: exit 2, and the database holds nothing (no user, no schema)', postgres.options, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scalestack-secret-'));
    const url = await postgres.create();
    try {
      await writeFile(join(dir, 'jwt-secret'), '');
      const proc = await spawnScript(cliEntry(), ['start'], { env: { DATA_DIR: dir, DATABASE_URL: url, LOG_LEVEL: 'warn' } });
      assert.equal((await exitOf(proc)).code, 2, proc.output());
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query(`select count(*)::int as n from information_schema.tables where table_schema in ('identity', 'social', 'platform')`);
        assert.equal(rows[0].n, 0, 'nothing was migrated or written');
      } finally {
        await client.end();
      }
    } finally {
      await postgres.drop(url);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
