import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { openBus } from './open-bus.js';
import { acceptJob, headersOf, registerJobStatusRoute, replyAccepted, tracked } from './accepted.js';
import { OutboxRelay } from './outbox.js';
import { makeErrorHandler } from '../http/error-handler.js';
import { migratedMemoryDb, waitFor } from './testing/targets.js';

test('202 Accepted: Location to a status resource that follows the job to its result, trace headers carried', async () => {
  const db = await migratedMemoryDb();
  const bus = await openBus({ url: undefined, db, backoff: { baseMs: 10, maxMs: 50, minMs: 5 } });
  const relay = new OutboxRelay(db, bus, { pollMs: 20 }).start();
  const app = Fastify();
  app.setErrorHandler(makeErrorHandler(1_000_000));
  try {
    let calls = 0;
    const seenHeaders: Record<string, string>[] = [];
    await bus.process<{ n: number }>('reports', async (d) => {
      seenHeaders.push(d.headers);
      await tracked<{ n: number }>(db, 3, async ({ n }) => {
        if (++calls === 1) throw new Error('flaky once');
        return { sum: n * 2 };
      })(d);
    }, { maxAttempts: 3 });
    app.post<{ Body: { n: number } }>('/api/reports', async (request, reply) => {
      const id = await acceptJob(db, 'reports', { n: request.body.n }, { headers: headersOf(request) });
      relay.wake();
      return replyAccepted(reply, id, '/api/jobs');
    });
    registerJobStatusRoute(app, db, 'reports', '/api/jobs');

    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await app.inject({ method: 'POST', url: '/api/reports', payload: { n: 21 }, headers: { traceparent } });
    assert.equal(res.statusCode, 202);
    const location = res.headers['location'] as string;
    assert.match(location, /^\/api\/jobs\/[0-9a-f-]{36}$/);
    assert.equal(res.headers['retry-after'], '1');

    let status = (await app.inject({ url: location })).json<{ state: string; result: unknown; attempts: number }>();
    assert.ok(['accepted', 'running', 'retrying', 'succeeded'].includes(status.state));
    await waitFor('job to succeed', async () => (status = (await app.inject({ url: location })).json()).state === 'succeeded');
    assert.deepEqual(status.result, { sum: 42 });
    assert.equal(status.attempts, 2, 'failed once, retried');
    assert.equal(seenHeaders[0]!['traceparent'], traceparent);
    assert.ok(seenHeaders[0]!['x-request-id']);
    const missing = await app.inject({ url: '/api/jobs/nope' });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), { errors: { job: ['not found'] } });
  } finally {
    await app.close();
    await relay.stop();
    await bus.close();
    await db.close();
  }
});
