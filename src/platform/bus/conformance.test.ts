import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import type { Database } from '../db/database.js';
import type { Delivery } from './port.js';
import { replayDeadLetter } from './replay.js';
import { OutboxRelay } from './outbox.js';
import { runWithMessageContext } from './message-context.js';
import { spawnScript } from '../../testing/cli-process.js';
import { openBus } from './open-bus.js';
import { busTargets, injectRaw, migratedMemoryDb, openTestBus, unique, waitFor } from './testing/targets.js';
import { BusNames, dropBusNames } from '../../testing/broker-cleanup.js';

/**
 * One behaviour contract, run against every adapter on its real broker.
 * Per-key order: every adapter keeps it for one consumer with concurrency 1
 * when nothing fails; only memory keeps it with concurrency > 1 (a key is
 * never in flight twice). Retries reorder on every adapter (docs/patterns/retries-dlq.md).
 */
const targets = await busTargets();

for (const target of targets) {
  describe(`bus conformance: ${target.name}`, target.options, () => {
    /** A test that means something only on a real broker; for the in-process bus there is nothing to run, so nothing is registered. */
    const onBroker = (title: string, fn: () => Promise<void>) => {
      if (target.url) test(title, fn);
    };
    let db: Database;
    let bus: Awaited<ReturnType<typeof openTestBus>>;
    let other: Awaited<ReturnType<typeof openTestBus>>;
    const names = new BusNames();
    before(async () => {
      db = await migratedMemoryDb();
      bus = names.record(await openTestBus(target, db));
      other = names.record(await openTestBus(target, db));
    });
    after(async () => {
      await bus?.close();
      await other?.close();
      await db?.close();
      // Every test's topics, groups and queues are unique: their queues and consumers would outlive the run on the shared broker.
      if (target.url) await dropBusNames(target.url, names);
    });

    test('every group gets every event', async () => {
      const topic = unique('t');
      const seen: Record<string, string[]> = { a: [], b: [] };
      for (const g of ['a', 'b']) await bus.subscribe(topic, unique(g), async (d) => void seen[g]!.push(d.id), { concurrency: 4 });
      const events = Array.from({ length: 20 }, (_, i) => ({ topic, key: `k${i % 3}`, id: `${topic}-${i}`, payload: { i } }));
      await bus.publish(events);
      await waitFor('both groups to get 20', () => seen['a']!.length >= 20 && seen['b']!.length >= 20);
      assert.deepEqual(new Set(seen['a']), new Set(events.map((e) => e.id)));
      assert.deepEqual(new Set(seen['b']), new Set(events.map((e) => e.id)));
    });

    test('competing consumers in one group split the work, each event handled once', async () => {
      const topic = unique('t');
      const group = unique('g');
      const byInstance: string[][] = [[], []];
      const slow = (i: number) => async (d: Delivery) => {
        byInstance[i]!.push(d.id);
        await new Promise((r) => setTimeout(r, 10));
      };
      await bus.subscribe(topic, group, slow(0), { concurrency: 2 });
      await other.subscribe(topic, group, slow(1), { concurrency: 2 });
      await bus.publish(Array.from({ length: 60 }, (_, i) => ({ topic, key: `k${i}`, payload: { i } })));
      await waitFor('60 handled', () => byInstance[0]!.length + byInstance[1]!.length >= 60);
      await new Promise((r) => setTimeout(r, 200));
      const all = [...byInstance[0]!, ...byInstance[1]!];
      assert.equal(all.length, 60, 'no duplicates');
      assert.equal(new Set(all).size, 60);
      assert.ok(byInstance[0]!.length > 0 && byInstance[1]!.length > 0, `split ${byInstance[0]!.length}/${byInstance[1]!.length}`);
    });

    // Memory promises order per key even with concurrency; the brokers for one consumer with concurrency 1.
    const orderedConcurrency = target.name === 'memory' ? 8 : 1;
    test(`per-key order for one consumer (concurrency ${orderedConcurrency})`, async () => {
      const topic = unique('t');
      const got = new Map<string, number[]>();
      await bus.subscribe<{ n: number }>(topic, unique('g'), async (d) => {
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        got.set(d.key, [...(got.get(d.key) ?? []), d.payload.n]);
      }, { concurrency: orderedConcurrency });
      const events = Array.from({ length: 60 }, (_, n) => ({ topic, key: `k${n % 3}`, payload: { n } }));
      await bus.publish(events);
      await waitFor('60 handled', () => [...got.values()].reduce((s, l) => s + l.length, 0) >= 60);
      for (const list of got.values()) assert.deepEqual(list, [...list].sort((x, y) => x - y));
    });

    test('an event is redelivered when its consumer dies before acking', async () => {
      const topic = unique('t');
      const group = unique('g');
      const dying = names.record(await openTestBus(target, db));
      let received = false;
      await dying.subscribe(topic, group, async () => {
        received = true;
        await new Promise(() => {}); // never acks
      });
      await bus.publish([{ topic, key: 'k', id: `${topic}-1`, payload: {} }]);
      await waitFor('first delivery', () => received);
      await dying.close();
      const again: Delivery[] = [];
      await other.subscribe(topic, group, async (d) => void again.push(d));
      await waitFor('redelivery', () => again.length > 0);
      assert.equal(again[0]!.id, `${topic}-1`);
      assert.ok(again[0]!.attempt >= 2, `attempt ${again[0]!.attempt}`);
    });

    test('dead-lettered after N failures, then replayed from the DLQ', async () => {
      const topic = unique('t');
      const group = unique('g');
      let failing = true;
      const attempts: number[] = [];
      const handled: string[] = [];
      await bus.subscribe(topic, group, async (d) => {
        if (failing) {
          attempts.push(d.attempt);
          throw new Error('downstream unavailable');
        }
        handled.push(d.id);
      }, { maxAttempts: 3 });
      await bus.publish([{ topic, key: 'k', id: `${topic}-1`, payload: { x: 1 } }]);
      await waitFor('dead letter', async () => (await bus.deadLetters.list({ consumer: group })).length === 1);
      const [letter] = await bus.deadLetters.list({ consumer: group });
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.equal(letter!.attempts, 3);
      assert.match(letter!.reason, /downstream unavailable/);
      assert.deepEqual(letter!.payload, { x: 1 });
      failing = false;
      assert.equal(await replayDeadLetter(db, letter!.id), 'replayed');
      await new OutboxRelay(db, bus).relayBatch();
      await waitFor('replayed event handled', () => handled.length === 1);
      assert.equal(handled[0], `${topic}-1`);
      assert.equal(await replayDeadLetter(db, letter!.id), 'already-replayed');
    });

    test('a payload failing its schema goes to the DLQ with the reason and does not block the queue', async () => {
      const topic = unique('t');
      const group = unique('g');
      const handled: number[] = [];
      await bus.subscribe(topic, group, async (d) => void handled.push(d.payload.n), { schema: Type.Object({ n: Type.Integer() }) });
      await bus.publish([
        { topic, key: 'k', payload: { n: 'not a number' } },
        { topic, key: 'k', payload: { n: 2 } },
      ]);
      await waitFor('valid event behind the bad one', () => handled.length === 1);
      const letters = await bus.deadLetters.list({ consumer: group });
      assert.equal(letters.length, 1);
      assert.match(letters[0]!.reason, /schema validation failed: \/n: Expected integer/);
    });

    // The in-process bus carries objects, not bytes: this one applies to real brokers only (not registered, not skipped).
    onBroker('bytes that are not an envelope go to the DLQ with the reason; the consumer carries on', async () => {
      const topic = unique('t');
      const group = unique('g');
      const handled: string[] = [];
      await bus.subscribe(topic, group, async (d) => void handled.push(d.id));
      await injectRaw(target, topic, '{"this is": not json');
      await bus.publish([{ topic, key: 'k', id: `${topic}-ok`, payload: {} }]);
      await waitFor('the good event', () => handled.length === 1);
      await waitFor('the dead letter', async () => (await bus.deadLetters.list({ consumer: group })).length === 1);
      const [letter] = await bus.deadLetters.list({ consumer: group });
      assert.match(letter!.reason, /malformed message: not JSON/);
      assert.equal(letter!.payload, '{"this is": not json');
    });

    test('a delayed job is not handled early', async () => {
      const queue = unique('q');
      const handledAt = new Map<string, number>();
      await bus.process(queue, async (d) => void handledAt.set(d.id, Date.now()), { concurrency: 2 });
      const enqueuedAt = Date.now();
      const late = await bus.enqueue(queue, { late: true }, { delayMs: 1200 });
      const now = await bus.enqueue(queue, { late: false });
      await waitFor('both jobs', () => handledAt.size === 2);
      assert.ok(handledAt.get(late)! - enqueuedAt >= 1200, `handled after ${handledAt.get(late)! - enqueuedAt} ms`);
      assert.ok(handledAt.get(now)! < handledAt.get(late)!);
    });

    test('a failing job is retried with backoff (each gap at least its delay, the delays growing), then dead-lettered', async () => {
      // Jitter pinned to its ceiling, so the delays are exactly the schedule: 150, 300, 600, 1200 ms.
      const schedule = [150, 300, 600, 1200];
      const pinned = names.record(await openBus({ url: target.url, db, ...(target.memory ? { memory: target.memory } : {}), backoff: { baseMs: 150, maxMs: 10_000, minMs: 10 }, random: () => 1 }));
      try {
        const queue = unique('q');
        const attempts: number[] = [];
        const at: number[] = [];
        await pinned.process(queue, async (d) => {
          attempts.push(d.attempt);
          at.push(performance.now());
          throw new Error('boom');
        });
        await pinned.enqueue(queue, { a: 1 }, { attempts: schedule.length + 1 });
        await waitFor('dead letter', async () => (await pinned.deadLetters.list({ consumer: queue })).length === 1, 30_000);
        assert.deepEqual(attempts, [1, 2, 3, 4, 5]);
        const gaps = at.slice(1).map((t, i) => Math.round(t - at[i]!));
        // Lower bounds only (a busy machine makes retries late, never early), 20 ms for timer granularity.
        schedule.forEach((delay, i) => assert.ok(gaps[i]! >= delay - 20, `retry ${i + 1} came after ${gaps[i]} ms, before its ${delay} ms delay (gaps ${gaps.join(', ')})`));
        // Growth: a constant delay of any length fails this; the real schedule passes unless the first retry runs 250 ms late.
        assert.ok(gaps[3]! >= 3 * gaps[0]!, `the last gap (${gaps[3]} ms) should be ~8x the first (${gaps[0]} ms)`);
      } finally {
        await pinned.close();
      }
    });

    test('a cron schedule fires once per tick with two bus instances running it', async () => {
      const queue = unique('cron');
      const ticks: number[] = [];
      await bus.process<{ tick: number }>(queue, async (d) => void ticks.push(d.payload.tick), { concurrency: 2 });
      const schedules = [bus, other].map((b) => b.schedule({ name: queue, everyMs: 500, queue }));
      await new Promise((r) => setTimeout(r, 2300));
      await Promise.all(schedules.map((s) => s.stop()));
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(ticks.length >= 3, `ticks: ${ticks.length}`);
      assert.equal(new Set(ticks).size, ticks.length, `duplicate ticks: ${ticks.join(',')}`);
    });
    // The in-process bus cannot span processes.
    onBroker('a cron schedule fires once per tick across two processes', async () => {
      const queue = unique('cron');
      const ticks: number[] = [];
      await bus.process<{ tick: number }>(queue, async (d) => void ticks.push(d.payload.tick), { concurrency: 2 });
      const child = await spawnScript('src/platform/bus/testing/cron-child.ts', [], {
        env: { BUS_URL: target.url, CRON_NAME: queue, CRON_QUEUE: queue, CRON_EVERY_MS: '500' },
      });
      try {
        await waitFor('the other process to schedule', () => child.output().includes('scheduling') || child.hasExited(), 60_000);
        assert.ok(!child.hasExited(), child.output());
        const schedule = bus.schedule({ name: queue, everyMs: 500, queue });
        await new Promise((r) => setTimeout(r, 2300));
        await schedule.stop();
        child.child.kill('SIGKILL');
        await child.exited;
        await new Promise((r) => setTimeout(r, 300));
        assert.ok(ticks.length >= 3, `ticks: ${ticks.length}`);
        assert.equal(new Set(ticks).size, ticks.length, `duplicate ticks: ${ticks.join(',')}`);
      } finally {
        if (!child.hasExited()) child.child.kill('SIGKILL');
      }
    });

    test('trace context and request id travel in headers, into what a handler publishes', async () => {
      const first = unique('t');
      const second = unique('t');
      const seen: Delivery[] = [];
      await bus.subscribe(first, unique('g'), async (d) => {
        seen.push(d);
        await bus.publish([{ topic: second, key: d.key, payload: {} }]);
      });
      await bus.subscribe(second, unique('g'), async (d) => void seen.push(d));
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      await runWithMessageContext({ traceparent, 'x-request-id': 'req-42' }, () => bus.publish([{ topic: first, key: 'k', payload: {} }]));
      await waitFor('both hops', () => seen.length === 2);
      for (const d of seen) {
        assert.equal(d.headers['traceparent'], traceparent);
        assert.equal(d.headers['x-request-id'], 'req-42');
      }
    });
  });
}
