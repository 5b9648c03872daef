import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { spawnScript } from '../../testing/cli-process.js';
import { dbTargets } from '../../testing/db-targets.js';
import { openDatabase } from '../db/open-database.js';
import { openBus } from './open-bus.js';
import { OutboxRelay } from './outbox.js';
import { waitFor } from './testing/targets.js';

const WRITER = 'src/platform/bus/testing/outbox-writer.ts';

for (const target of await dbTargets()) {
  test(`outbox (${target.name}): killed between commit and publish → published after restart; rolled back → never published`, target.options, async () => {
    const url = await target.create();
    // PGlite on disk, not in memory: the point is that the outbox survives the process.
    const dataDir = await mkdtemp(join(tmpdir(), 'scalestack-outbox-'));
    const env = { ...(url ? { DATABASE_URL: url } : {}), DATA_DIR: dataDir };
    try {
      const rollback = await spawnScript(WRITER, [], { env: { ...env, MODE: 'rollback' } });
      assert.deepEqual(await rollback.exited, { code: 0, signal: null }, rollback.output());
      const commit = await spawnScript(WRITER, [], { env: { ...env, MODE: 'commit' } });
      const exit = await commit.exited;
      assert.equal(exit.signal, 'SIGKILL', commit.output());
      assert.match(commit.output(), /committed/);

      const db = await openDatabase({ url, dataDir, poolMax: 2 });
      const bus = await openBus({ url: undefined, db });
      const relay = new OutboxRelay(db, bus, { pollMs: 50 });
      try {
        const k = db.as<Record<string, never>>();
        const unsent = await sql<{ id: string }>`select id from platform.outbox where sent_at is null`.execute(k);
        assert.deepEqual(unsent.rows.map((r) => r.id), ['evt-commit'], 'the committed event waits in the outbox');
        const received: string[] = [];
        await bus.subscribe('widget.created', 'test', async (d) => void received.push(d.id));
        relay.start();
        await waitFor('the event after restart', () => received.length === 1);
        await new Promise((r) => setTimeout(r, 300));
        assert.deepEqual(received, ['evt-commit'], 'published once; the rolled-back one never');
        const sent = await sql<{ n: number }>`select count(*)::int as n from platform.outbox where sent_at is not null`.execute(k);
        assert.equal(sent.rows[0]!.n, 1);
      } finally {
        await relay.stop();
        await bus.close();
        await db.close();
      }
    } finally {
      await target.drop(url);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}
