import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { dbTargets } from '../../../testing/db-targets.js';
import { openDatabase } from '../../../platform/db/open-database.js';
import { runMigrations } from '../../../platform/db/migrations.js';
import { notificationsMigrations } from '../migrations.js';
import { DeliveriesStore } from './deliveries.store.js';
import { WebhooksStore } from './webhooks.store.js';

for (const target of await dbTargets()) {
  test(`delivery queue (${target.name}): workers claiming at once never get the same delivery; a claim held by a lease is not handed out again until it expires`, target.options, async () => {
    const url = await target.create();
    const db = await openDatabase({ url, dataDir: 'memory://', poolMax: 8 });
    try {
      await runMigrations(db, [notificationsMigrations]);
      const webhooks = new WebhooksStore(db);
      const deliveries = new DeliveriesStore(db);
      const hook = await webhooks.insert({ id: randomUUID(), user_id: 1, url: 'https://hooks.example.com/', events: ['follow'], secret: 'whsec_AAAA' });
      await deliveries.db.transaction().execute(async (trx) => {
        for (let n = 1; n <= 60; n++) await deliveries.enqueue(trx, [hook.id], n, 'follow', { n });
      });
      // Six workers, each claiming batches of 4 until nothing is left.
      const claimed: string[] = [];
      await Promise.all(Array.from({ length: 6 }, async () => {
        for (;;) {
          const batch = await deliveries.claim(4, 60_000);
          if (batch.length === 0) return;
          claimed.push(...batch.map((c) => c.id));
        }
      }));
      assert.equal(claimed.length, 60);
      assert.equal(new Set(claimed).size, 60, 'no delivery claimed twice');
      assert.deepEqual(await deliveries.claim(10, 60_000), [], 'leased: not handed out again');
      // A lease that ran out (its worker died mid-attempt) is claimed again, and the attempt counts.
      const short = new DeliveriesStore(db);
      await deliveries.db.transaction().execute(async (trx) => deliveries.enqueue(trx, [hook.id], 61, 'follow', {}));
      const [lost] = await short.claim(1, 1);
      await new Promise((r) => setTimeout(r, 20));
      const [again] = await deliveries.claim(1, 60_000);
      assert.equal(again?.id, lost?.id);
      assert.equal(again?.attempts, 2);
      // The first worker's outcome comes too late: its lease is no longer the delivery's, so it records nothing.
      assert.equal(await deliveries.succeeded(lost!, 200), false);
      assert.equal(await deliveries.succeeded(again!, 200), true);
      assert.equal((await deliveries.get(hook.id, again!.id))?.status, 'delivered');
      assert.deepEqual(await deliveries.claim(10, 1), [], 'delivered: never claimed again');
      // A claim given back (no attempt made) is not counted.
      await deliveries.db.transaction().execute(async (trx) => deliveries.enqueue(trx, [hook.id], 62, 'follow', {}));
      const [taken] = await deliveries.claim(1, 60_000);
      await deliveries.release(taken!, 0);
      const [retaken] = await deliveries.claim(1, 60_000);
      assert.deepEqual([retaken?.id, retaken?.attempts], [taken?.id, 1]);
    } finally {
      await db.close();
      await target.drop(url);
    }
  });
}
