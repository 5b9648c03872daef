import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { eventually } from '../../testing/order-fixtures.js';
import { busTargets, unique } from '../bus/testing/targets.js';
import { allServices } from '../../testing/all-services.js';
import { BusNames, dropBusNames } from '../../testing/broker-cleanup.js';
import { addToOutbox } from '../bus/outbox.js';

/**
 * The faults panel cuts a process off its broker (RabbitMQ, NATS) while it runs: writes still commit
 * (their events wait in the outbox, nothing reaches the consumer), and once the panel restores the
 * broker every waiting event is delivered, none lost and none twice.
 */
const ADMIN_TOKEN = 'fault-broker-admin-token-0123456789';
const [pglite] = await dbTargets();
const brokers = (await busTargets(['amqp', 'nats']));

for (const broker of brokers) {
  describe(`faults panel: the broker cut off and restored [${broker.name}]`, broker.options, () => {
    let sys: TestSystem;
    const received: string[] = [];
    const topic = 'fault.drill';
    const namespace = unique('faultdrill');
    const names = new BusNames(namespace);
    before(async () => {
      sys = await startTestSystem(pglite!, { ADMIN_TOKEN, CONSOLE_FAULTS: true, BUS_URL: broker.url!, BUS_NAMESPACE: namespace }, names.recording(allServices));
      await sys.bus.subscribe(topic, 'fault-drill-group', async ({ payload }) => void received.push((payload as { n: string }).n));
    });
    after(async () => {
      await sys?.close();
      // The namespace is new each run: its queues and consumers would outlive the run on the shared broker.
      await dropBusNames(broker.url!, names);
    });

    const fault = (kind: 'cut' | 'none') =>
      fetch(`${sys.url}/console/api/faults/bus`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind }),
      });
    const write = (ns: string[]) =>
      sys.db.as<Record<string, never>>().transaction().execute((trx) => addToOutbox(trx, ns.map((n) => ({ topic, key: `k${n}`, payload: { n } }))));
    const unsent = async () =>
      Number((await sql<{ n: string }>`select count(*) as n from platform.outbox where topic like ${`%${topic}`} and sent_at is null`.execute(sys.db.as<Record<string, never>>())).rows[0]!.n);

    test('events written while the broker is cut wait in the outbox and are all delivered, once, after restore', async (t) => {
      await write(['before']);
      await eventually('the first event delivered', async () => received.includes('before'));

      const cut = await fault('cut');
      assert.equal(cut.status, 200);
      const targets = ((await cut.json()) as { targets: { name: string; fault: { kind: string } }[] }).targets;
      assert.equal(targets.find((x) => x.name === 'bus')?.fault.kind, 'cut');

      const ns = Array.from({ length: 20 }, (_, i) => `cut-${i}`);
      await write(ns);
      // Give the relay several rounds to try (it polls every 250 ms, backing off to 5 s on failures): nothing may get through.
      await new Promise((r) => setTimeout(r, 3_000));
      const waiting = await unsent();
      t.diagnostic(`while cut: ${waiting} events unsent in the outbox, ${received.length - 1} delivered`);
      assert.deepEqual(received, ['before'], 'nothing reached the consumer while the broker was cut');
      assert.equal(waiting, 20, 'the 20 events wait in the outbox');

      assert.equal((await fault('none')).status, 200);
      await eventually('every waiting event delivered', async () => received.length >= 21, 60_000);
      await eventually('the outbox drained', async () => (await unsent()) === 0);
      // A late duplicate would arrive after the last original: wait a little for one before counting.
      await new Promise((r) => setTimeout(r, 1_000));
      assert.deepEqual([...received].sort(), ['before', ...ns].sort(), 'all delivered, none lost, none twice');
    });
  });
}
