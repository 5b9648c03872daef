import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryTransport, MemoryBroker } from './adapters/memory.js';
import { namespacedTransport } from './namespaced-transport.js';
import type { Envelope } from './port.js';

const envelope = (topic: string, id: string): Envelope => ({ id, topic, key: id, payload: { id }, headers: {}, attempt: 1 });

test('two namespaces on one broker never see each other’s events, jobs or claims; handlers see plain names', async () => {
  const broker = new MemoryBroker();
  const a = namespacedTransport(createMemoryTransport(broker), 'a');
  const b = namespacedTransport(createMemoryTransport(broker), 'b');
  const seen: Record<string, string[]> = { aEvents: [], bEvents: [], aJobs: [], bJobs: [] };
  const record = (list: string[]) => async (e: Envelope) => {
    list.push(`${e.topic}:${e.id}`);
    return { kind: 'ack' as const };
  };
  await a.consume('order.placed', 'g', record(seen['aEvents']!), { concurrency: 1 });
  await b.consume('order.placed', 'g', record(seen['bEvents']!), { concurrency: 1 });
  await a.work('orders.saga', record(seen['aJobs']!), { concurrency: 1 });
  await b.work('orders.saga', record(seen['bJobs']!), { concurrency: 1 });
  await a.publish([envelope('order.placed', 'e1')]);
  await b.enqueue('orders.saga', envelope('orders.saga', 'j1'));
  const until = Date.now() + 5000;
  while ((seen['aEvents']!.length === 0 || seen['bJobs']!.length === 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(seen, { aEvents: ['order.placed:e1'], bEvents: [], aJobs: [], bJobs: ['orders.saga:j1'] });
  assert.equal(await a.claim('cron:x:1', 10_000), true);
  assert.equal(await b.claim('cron:x:1', 10_000), true, 'b’s claim is its own');
  assert.equal(await a.claim('cron:x:1', 10_000), false);
  await a.close();
  await b.close();
});
