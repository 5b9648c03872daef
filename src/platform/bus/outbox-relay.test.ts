import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dbTargets } from '../../testing/db-targets.js';
import type { Database } from '../db/database.js';
import { runMigrations } from '../db/migrations.js';
import { openDatabase } from '../db/open-database.js';
import { busMigrations } from './migrations.js';
import { addToOutbox, OutboxRelay, type RelayTarget } from './outbox.js';
import type { OutgoingEvent } from './port.js';
import { waitFor } from './testing/targets.js';

/** A broker stand-in: records what reached it, in arrival order, and lets a test decide when it answers. */
class RecordingBroker implements RelayTarget {
  readonly arrived: { id: string; key: string }[] = [];
  calls = 0;
  constructor(private readonly before: (call: number) => Promise<void> = async () => {}) {}

  async publish(events: OutgoingEvent[]): Promise<void> {
    await this.before(++this.calls);
    for (const e of events) this.arrived.push({ id: e.id!, key: e.key });
  }

  async enqueue(queue: string, _payload: unknown, options: { id?: string } = {}): Promise<string> {
    await this.before(++this.calls);
    this.arrived.push({ id: options.id!, key: options.id! });
    return options.id!;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function write(db: Database, events: OutgoingEvent[]): Promise<void> {
  await db.as<Record<string, never>>().transaction().execute((trx) => addToOutbox(trx, events));
}

async function unsent(db: Database): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from platform.outbox where sent_at is null`.execute(db.as<Record<string, never>>());
  return rows[0]!.n;
}

/** Resolves with `promise`, or rejects when `ms` pass first (a deadline for "does not wait for the broker", not a speed bound). */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** Each key's events in the order they first reached the broker (duplicates of a re-send ignored). */
function firstArrivals(arrived: { id: string; key: string }[]): Map<string, string[]> {
  const seen = new Set<string>();
  const byKey = new Map<string, string[]>();
  for (const { id, key } of arrived) {
    if (seen.has(id)) continue;
    seen.add(id);
    byKey.set(key, [...(byKey.get(key) ?? []), id]);
  }
  return byKey;
}

/** Counts the relay's claims (each a transaction: begin, the claim lock, the claim, commit), calling through. */
function countClaims(relay: OutboxRelay): { calls: () => number; settled: (n: number) => Promise<unknown> } {
  const spied = mock.method(relay as unknown as { claim: () => Promise<unknown[]> }, 'claim');
  return { calls: () => spied.mock.callCount(), settled: (n) => spied.mock.calls[n]!.result! };
}

for (const target of await dbTargets()) {
  async function withDb(fn: (db: Database) => Promise<void>): Promise<void> {
    const url = await target.create();
    const db = await openDatabase({ url, dataDir: 'memory://', poolMax: 4 });
    try {
      await runMigrations(db, [busMigrations]);
      await fn(db);
    } finally {
      await db.close();
      await target.drop(url);
    }
  }

  test(`outbox relay (${target.name}): a broker slow to confirm holds no transaction, so other queries run meanwhile`, { ...target.options, timeout: 30_000 }, async () => {
    await withDb(async (db) => {
      let answer!: () => void;
      const held = new Promise<void>((resolve) => { answer = resolve; });
      let publishing = false;
      const broker = new RecordingBroker(async () => {
        publishing = true;
        await held;
      });
      await write(db, [{ topic: 'widget.created', key: 'w1', id: 'e1', payload: {} }]);
      const relay = new OutboxRelay(db, broker);
      const batch = relay.relayBatch();
      try {
        await waitFor('the relay to reach the broker', () => publishing);
        // PGlite has one connection: a relay holding a transaction across the publish stalls this (and every request).
        const k = db.as<Record<string, never>>();
        const { rows } = await within(5000, 'an unrelated query during a slow publish',
          sql<{ n: number }>`select count(*)::int as n from platform.outbox`.execute(k));
        assert.equal(rows[0]!.n, 1);
        if (target.name === 'postgres') {
          const open = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
            where datname = current_database() and state like 'idle in transaction%'`.execute(k);
          assert.equal(open.rows[0]!.n, 0, 'no transaction is open while the broker works');
        }
        assert.equal(await unsent(db), 1, 'not marked sent before the broker confirmed');
      } finally {
        answer();
        await batch;
      }
      assert.equal(await unsent(db), 0, 'marked sent after the broker confirmed');
      assert.deepEqual(broker.arrived.map((a) => a.id), ['e1']);
    });
  });

  test(`outbox relay (${target.name}): a woken relay sends a burst shorter than its batch with one claim, and keeps claiming while batches come back full`, { ...target.options, timeout: 30_000 }, async () => {
    await withDb(async (db) => {
      const broker = new RecordingBroker();
      const relay = new OutboxRelay(db, broker, { batchSize: 2, pollMs: 60_000 });
      const claims = countClaims(relay);
      relay.start();
      try {
        await waitFor('the first run', () => claims.calls() === 1);
        await claims.settled(0); // found nothing: the rows below are not in it
        await write(db, [1, 2, 3].map((n) => ({ topic: 't', key: `k${n}`, id: `e${n}`, payload: {} })));
        relay.wake();
        await waitFor('three events sent', async () => (await unsent(db)) === 0);
        await sleep(100);
        assert.equal(claims.calls(), 3, 'the start, a full batch of two, then a short one of one: no empty claim after it');
        assert.deepEqual(broker.arrived.map((a) => a.id), ['e1', 'e2', 'e3']);
      } finally {
        await relay.stop();
      }
    });
  });

  test(`outbox relay (${target.name}): its polls ask whether anything is claimable before claiming, and still find a row no one woke it for`, { ...target.options, timeout: 30_000 }, async () => {
    await withDb(async (db) => {
      const broker = new RecordingBroker();
      const relay = new OutboxRelay(db, broker, { pollMs: 10 });
      const claims = countClaims(relay);
      relay.start();
      try {
        await sleep(300); // ~30 polls of an empty outbox
        assert.equal(claims.calls(), 1, 'only the run at start claimed');
        // Written by another process, say: nothing wakes this relay.
        await write(db, [{ topic: 't', key: 'k', id: 'e1', payload: {} }]);
        await waitFor('a poll to send it', () => broker.arrived.length === 1);
        assert.equal(claims.calls(), 2);
      } finally {
        await relay.stop();
      }
    });
  });

  test(`outbox relay (${target.name}): two relays, a broker slow at random and failing every 5th publish: each key's events first reach it in commit order`, { ...target.options, timeout: 60_000 }, async () => {
    await withDb(async (db) => {
      const broker = new RecordingBroker(async (call) => {
        await sleep(Math.random() * 6); // the way to the broker: whoever claimed first may arrive second
        if (call % 5 === 0) throw new Error('broker refused');
      });
      const keys = ['a', 'b', 'c', 'd'];
      const ids: string[] = [];
      for (let n = 0; n < 80; n++) {
        const id = `e${String(n).padStart(3, '0')}`;
        ids.push(id);
        await write(db, [{ topic: 't', key: keys[n % keys.length]!, id, payload: { n } }]);
      }
      const drain = async (relay: OutboxRelay) => {
        while ((await unsent(db)) > 0) {
          const sent = await relay.relayBatch().catch(() => 0);
          if (sent === 0) await sleep(2);
        }
      };
      await within(45_000, 'draining the outbox', Promise.all([
        drain(new OutboxRelay(db, broker, { batchSize: 3 })),
        drain(new OutboxRelay(db, broker, { batchSize: 3 })),
      ]));
      const byKey = firstArrivals(broker.arrived);
      assert.equal([...byKey.values()].flat().length, 80, 'every event reached the broker');
      assert.ok(broker.calls >= 10, `the failures happened (${broker.calls} publishes)`);
      for (const [key, got] of byKey) assert.deepEqual(got, [...got].sort(), `key ${key} in commit order`);
    });
  });

  test(`outbox relay (${target.name}): a key's later events wait while an earlier one is leased by a stalled relay, and follow it once the lease expires`, { ...target.options, timeout: 30_000 }, async () => {
    await withDb(async (db) => {
      let unstall!: () => void;
      const stalled = new Promise<void>((resolve) => { unstall = resolve; });
      let reached = false;
      const stalledBroker = new RecordingBroker(async () => {
        reached = true;
        await stalled;
        throw new Error('gone');
      });
      await write(db, [{ topic: 't', key: 'k', id: 'k1', payload: {} }]);
      await write(db, [{ topic: 't', key: 'other', id: 'o1', payload: {} }]);
      await write(db, [{ topic: 't', key: 'k', id: 'k2', payload: {} }]);
      const stalledRelay = new OutboxRelay(db, stalledBroker, { batchSize: 1, leaseMs: 500 });
      const stuck = stalledRelay.relayBatch().catch(() => 0);
      try {
        await waitFor('the first relay to claim k1 and stall', () => reached);
        const broker = new RecordingBroker();
        const relay = new OutboxRelay(db, broker);
        assert.equal(await within(5000, 'the second relay', relay.relayBatch()), 1, 'only the unrelated key goes out');
        assert.deepEqual(broker.arrived.map((a) => a.id), ['o1']);
        await waitFor('the lease to expire and k1, k2 to go out', async () => (await relay.relayBatch()) > 0);
        assert.deepEqual(broker.arrived.map((a) => a.id), ['o1', 'k1', 'k2']);
        assert.equal(await unsent(db), 0);
      } finally {
        unstall();
        await stuck;
      }
    });
  });
}
