import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { sql } from 'kysely';
import { dbTargets } from '../../testing/db-targets.js';
import { loadConfig, ConfigError } from '../config/load-config.js';
import { openDatabase } from '../db/open-database.js';
import { runMigrations } from '../db/migrations.js';
import type { Database } from '../db/database.js';
import { MemoryBroker } from './adapters/memory.js';
import { openBus } from './open-bus.js';
import { busMigrations } from './migrations.js';
import { loadRetention, pruneBusTables, startRetention, type RetentionSettings } from './retention.js';
import { waitFor } from './testing/targets.js';

type Any = Record<string, never>;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The defaults' shape: outbox 1 h, inbox 7 d, jobs 1 d. */
const settings: RetentionSettings = { outboxSentMs: HOUR, inboxMs: 7 * DAY, jobsMs: DAY, everyMs: 200, batchSize: 2 };

/** Rows on both sides of every cut-off; `old-*` must go, `keep-*` must stay. */
async function seed(db: Database): Promise<void> {
  const k = db.as<Any>();
  await sql`truncate platform.outbox, platform.inbox, platform.job_status`.execute(k);
  const ago = (ms: number) => sql`now() - ${`${ms} milliseconds`}::interval`;
  for (const [id, sent, created] of [
    ['old-sent-1', ago(2 * HOUR), ago(3 * HOUR)],
    ['old-sent-2', ago(25 * HOUR), ago(26 * HOUR)],
    ['old-sent-3', ago(90 * DAY), ago(90 * DAY)],
    ['keep-sent-recently', ago(10 * 60_000), ago(3 * HOUR)],
    // Never sent, however old: the relay still owes it to the broker.
    ['keep-unsent-old', null, ago(30 * DAY)],
  ] as const) {
    await sql`insert into platform.outbox (id, topic, key, payload, created_at, sent_at) values (${id}, 't', 'k', '{}'::jsonb, ${created}, ${sent})`.execute(k);
  }
  for (const [consumer, id, processed] of [
    ['a', 'old-1', ago(8 * DAY)],
    ['b', 'old-1', ago(8 * DAY)],
    ['a', 'old-2', ago(365 * DAY)],
    ['a', 'keep-6-days', ago(6 * DAY)],
    ['b', 'keep-now', ago(0)],
  ] as const) {
    await sql`insert into platform.inbox (consumer, event_id, processed_at) values (${consumer}, ${id}, ${processed})`.execute(k);
  }
  for (const [id, state, updated] of [
    ['old-succeeded', 'succeeded', ago(2 * DAY)],
    ['old-failed', 'failed', ago(30 * DAY)],
    ['keep-succeeded-recently', 'succeeded', ago(HOUR)],
    // Unfinished jobs stay whatever their age: a user may still be polling them.
    ['keep-running-old', 'running', ago(30 * DAY)],
    ['keep-accepted-old', 'accepted', ago(30 * DAY)],
  ] as const) {
    await sql`insert into platform.job_status (id, queue, state, updated_at) values (${id}, 'q', ${state}, ${updated})`.execute(k);
  }
}

async function remaining(db: Database): Promise<{ outbox: string[]; inbox: string[]; jobs: string[] }> {
  const k = db.as<Any>();
  const ids = async (query: ReturnType<typeof sql<{ id: string }>>) => (await query.execute(k)).rows.map((r) => r.id);
  return {
    outbox: await ids(sql<{ id: string }>`select id from platform.outbox order by id`),
    inbox: await ids(sql<{ id: string }>`select consumer || ':' || event_id as id from platform.inbox order by 1`),
    jobs: await ids(sql<{ id: string }>`select id from platform.job_status order by id`),
  };
}

const KEPT = {
  outbox: ['keep-sent-recently', 'keep-unsent-old'],
  inbox: ['a:keep-6-days', 'b:keep-now'],
  jobs: ['keep-accepted-old', 'keep-running-old', 'keep-succeeded-recently'],
};

for (const target of await dbTargets()) {
  describe(`retention of the platform tables [${target.name}]`, target.options, () => {
    let url: string | undefined;
    let db: Database;
    before(async () => {
      url = await target.create();
      db = await openDatabase({ url, dataDir: 'memory://', poolMax: 4 });
      await runMigrations(db, [busMigrations]);
    });
    after(async () => {
      await db?.close();
      await target.drop(url);
    });

    it('a pass deletes sent outbox rows, inbox ids and finished jobs past their retention; recent and unfinished ones stay', async () => {
      await seed(db);
      assert.deepEqual(await pruneBusTables(db, settings), { outbox: 3, inbox: 3, jobs: 2 }, 'batches of 2 until a short one');
      assert.deepEqual(await remaining(db), KEPT);
      assert.deepEqual(await pruneBusTables(db, settings), { outbox: 0, inbox: 0, jobs: 0 }, 'a second pass has nothing left to do');
    });

    it('the cron runs it once per tick across two bus instances (two processes sharing a broker)', async () => {
      await seed(db);
      const broker = new MemoryBroker();
      const passes: number[] = [];
      const logger = pino({ level: 'debug' }, new Writable({
        write(chunk: Buffer, _encoding, done) {
          const line = JSON.parse(chunk.toString()) as { msg: string; tick?: number };
          if (line.msg === 'retention: pass done') passes.push(line.tick!);
          done();
        },
      }));
      const buses = [await openBus({ url: undefined, db, memory: broker }), await openBus({ url: undefined, db, memory: broker })];
      const crons = await Promise.all(buses.map((bus) => startRetention(bus, () => [db], settings, logger)));
      try {
        await waitFor('the old rows to go', async () => JSON.stringify(await remaining(db)) === JSON.stringify(KEPT), 10_000);
        await waitFor('three passes', () => passes.length >= 3, 10_000);
      } finally {
        for (const cron of crons) await cron.stop();
        for (const bus of buses) await bus.close();
      }
      assert.equal(new Set(passes).size, passes.length, `one pass per tick, got ticks ${passes.join(', ')}`);
      assert.deepEqual(await remaining(db), KEPT);
    });
  });
}

describe('retention settings', () => {
  it('defaults: outbox 1 h, inbox 7 days, jobs 1 day, every 10 minutes', () => {
    assert.deepEqual(loadRetention(loadConfig({})), { outboxSentMs: HOUR, inboxMs: 7 * DAY, jobsMs: DAY, everyMs: 600_000 });
  });

  it('refuses an inbox retention not longer than the outbox retention (a re-sent event would be applied twice)', () => {
    assert.throws(() => loadRetention(loadConfig({ BUS_RETENTION_OUTBOX_S: '7200', BUS_RETENTION_INBOX_S: '7200' })), (err: unknown) =>
      err instanceof ConfigError && /BUS_RETENTION_INBOX_S=7200: must be longer than BUS_RETENTION_OUTBOX_S=7200/.test(err.message));
  });
});
