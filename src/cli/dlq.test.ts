import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { cliEntry, spawnScript } from '../testing/cli-process.js';
import { openDatabase } from '../platform/db/open-database.js';
import { runMigrations } from '../platform/db/migrations.js';
import { busMigrations } from '../platform/bus/migrations.js';
import { DeadLetterStore } from '../platform/bus/dead-letters.js';

async function cli(dataDir: string, ...args: string[]): Promise<{ code: number | null; output: string }> {
  const child = await spawnScript(cliEntry(), ['dlq', ...args], { env: { DATA_DIR: dataDir, LOG_LEVEL: 'silent' } });
  const exit = await child.exited;
  return { code: exit.code, output: child.output() };
}

test('scalestack dlq list | show | replay on the embedded database', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'scalestack-dlq-'));
  try {
    let db = await openDatabase({ dataDir, poolMax: 1 });
    await runMigrations(db, [busMigrations]);
    await new DeadLetterStore(db).put('event', 'feed-projector', {
      id: 'evt-1', topic: 'article.created', key: 'a1', payload: { slug: 'x' }, headers: { traceparent: '00-abc-def-01' }, attempt: 5,
    }, 'failed 5 time(s); last error: Error: timeout');
    await db.close();

    const list = await cli(dataDir, 'list');
    assert.equal(list.code, 0, list.output);
    assert.match(list.output, /feed-projector {2}article\.created {2}attempts=5/);
    assert.match(list.output, /last error: Error: timeout/);

    const show = await cli(dataDir, 'show', '1');
    assert.equal(show.code, 0, show.output);
    assert.deepEqual(JSON.parse(show.output).payload, { slug: 'x' });
    assert.equal((await cli(dataDir, 'show', '99')).code, 1);

    const replay = await cli(dataDir, 'replay', '1');
    assert.match(replay.output, /1: replayed/);
    assert.match((await cli(dataDir, 'replay', '1')).output, /1: already-replayed/);
    assert.match((await cli(dataDir, 'list')).output, /no dead letters/);

    db = await openDatabase({ dataDir, poolMax: 1 });
    const { rows } = await sql<{ id: string; topic: string }>`select id, topic from platform.outbox where sent_at is null`.execute(db.as<Record<string, never>>());
    await db.close();
    assert.deepEqual(rows, [{ id: 'evt-1', topic: 'article.created' }], 'the replay waits in the outbox for the relay');
    assert.equal((await cli(dataDir, 'bogus')).code, 2);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
