import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { eventually } from '../../testing/order-fixtures.js';
import { DeadLetterStore } from '../bus/dead-letters.js';

/** The console's API answers the admin token only, and refuses bad switch and load requests with the catalog's 4xx. */
const ADMIN_TOKEN = 'console-routes-admin-token-0123456789';
const [pglite] = await dbTargets();

describe('console API [pglite, in process]', () => {
  let sys: TestSystem;
  let userToken: string;
  let letterId: number;
  const handled: unknown[] = [];
  before(async () => {
    sys = await startTestSystem(pglite!, { ADMIN_TOKEN, FEED_STRATEGY: 'hybrid' });
    await sys.bus.subscribe('console.test', 'console-test-group', async ({ payload }) => void handled.push(payload));
    letterId = await deadLetter('console-test-group', { n: 0 });
    const response = await fetch(`${sys.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: { username: 'eve', email: 'eve@example.com', password: 'a long enough password' } }),
    });
    userToken = ((await response.json()) as { user: { token: string } }).user.token;
  });
  after(() => sys.close());

  /** A dead letter as the bus leaves one after a consumer gave up (its id). */
  async function deadLetter(consumer: string, payload: unknown): Promise<number> {
    const store = new DeadLetterStore(sys.db);
    await store.put('event', consumer, { id: randomUUID(), topic: 'console.test', key: 'k', payload, headers: {}, attempt: 5 }, 'handler threw: boom');
    return (await store.list({ limit: 1000, consumer })).at(-1)!.id;
  }

  const call = (method: string, path: string, authorization: string | undefined, body?: unknown) =>
    fetch(`${sys.url}/console/api${path}`, {
      method,
      headers: { ...(authorization ? { authorization } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    });

  test('every console route refuses no token, a wrong token and a user\'s JWT (401), and changes nothing', async () => {
    const routes: [string, string, unknown][] = [
      ['GET', '/state', undefined],
      ['GET', '/stream', undefined],
      ['PUT', '/switches', { feedStrategy: 'pull' }],
      ['POST', '/load', { path: '/api/tags', rate: 1, seconds: 1 }],
      ['GET', '/dead-letters', undefined],
      ['POST', `/dead-letters/${letterId}/replay`, {}],
      ['POST', '/dead-letters/replay', {}],
      ['GET', '/faults', undefined],
      ['PUT', '/faults/redis', { kind: 'cut' }],
      ['GET', '/replicas', undefined],
      ['POST', '/replicas/social-1/kill', undefined],
    ];
    for (const [method, path, body] of routes) {
      for (const authorization of [undefined, 'Bearer not-the-admin-token-at-all', `Token ${userToken}`, `Bearer ${userToken}`]) {
        const response = await call(method, path, authorization, body);
        assert.equal(response.status, 401, `${method} ${path} with ${authorization ?? 'nothing'}`);
        await response.body?.cancel();
      }
    }
    const state = (await (await call('GET', '/state', `Bearer ${ADMIN_TOKEN}`)).json()) as { switches: { feedStrategy: string }; load: unknown };
    assert.equal(state.switches.feedStrategy, 'hybrid');
    assert.equal(state.load, null);
    const letter = await new DeadLetterStore(sys.db).get(letterId);
    assert.equal(letter?.replayedAt, null, 'the dead letter was not replayed');
  });

  test('switch changes: unknown values, unknown fields, an empty change, wrong types and malformed JSON are 4xx; a good one applies here', async () => {
    const admin = `Bearer ${ADMIN_TOKEN}`;
    for (const body of [{ feedStrategy: 'fastest' }, { dropTables: true }, {}, { celebrityThreshold: 0 }, { celebrityThreshold: '10' }, { cacheEnabled: 'no' }, '{"feedStrategy":']) {
      const response = await call('PUT', '/switches', admin, body);
      assert.ok(response.status === 400 || response.status === 422, `${JSON.stringify(body)} -> ${response.status}`);
    }
    const unchanged = (await (await call('GET', '/state', admin)).json()) as { changes: unknown[] };
    assert.deepEqual(unchanged.changes, []);

    const response = await call('PUT', '/switches', admin, { feedStrategy: 'pull', celebrityThreshold: 5 });
    assert.equal(response.status, 200);
    const state = (await (await call('GET', '/state', admin)).json()) as { switches: { feedStrategy: string; celebrityThreshold: number }; changes: { changed: object; by: string }[] };
    assert.deepEqual(state.switches, { feedStrategy: 'pull', celebrityThreshold: 5, cacheEnabled: true });
    assert.deepEqual(state.changes.map((c) => [c.by, c.changed]), [['console', { feedStrategy: 'pull', celebrityThreshold: 5 }]]);
  });

  test('load runs: only /api/ paths, bounded rate and duration; a second run while one is under way is 409', async () => {
    const admin = `Bearer ${ADMIN_TOKEN}`;
    for (const body of [{ path: 'http://elsewhere.example/', rate: 1, seconds: 1 }, { path: '/healthz', rate: 1, seconds: 1 }, { path: '/api/tags', rate: 1_000_000, seconds: 1 }, { path: '/api/tags', rate: 1, seconds: 86_400 }, { path: '/api/tags' }]) {
      const response = await call('POST', '/load', admin, body);
      assert.equal(response.status, 422, JSON.stringify(body));
    }
    const started = await call('POST', '/load', admin, { path: '/api/tags', rate: 5, seconds: 3 });
    assert.equal(started.status, 202);
    const again = await call('POST', '/load', admin, { path: '/api/tags', rate: 5, seconds: 3 });
    assert.equal(again.status, 409);
    assert.equal(again.headers.get('x-error-code'), 'SS_CONFLICT');
  });

  test('dead letters: counted per consumer, listed; a replay sends the message back to its consumer once (again is 410, unknown 404)', async () => {
    const admin = `Bearer ${ADMIN_TOKEN}`;
    const other = await deadLetter('console-other-group', { n: 1 });
    const listed = (await (await call('GET', '/dead-letters', admin)).json()) as { pending: number; counts: { consumer: string; count: number }[]; deadLetters: { id: number; consumer: string; reason: string }[] };
    assert.equal(listed.pending, 2);
    assert.deepEqual(listed.counts.map((c) => [c.consumer, c.count]), [['console-other-group', 1], ['console-test-group', 1]]);
    assert.deepEqual(listed.deadLetters.map((d) => d.id), [letterId, other]);
    assert.equal(listed.deadLetters[0]!.reason, 'handler threw: boom');

    const replayed = await call('POST', `/dead-letters/${letterId}/replay`, admin, {});
    assert.equal(replayed.status, 200);
    await eventually('the replayed event handled', async () => handled.length === 1);
    assert.deepEqual(handled, [{ n: 0 }]);
    const again = await call('POST', `/dead-letters/${letterId}/replay`, admin, {});
    assert.equal(again.status, 410);
    assert.equal(again.headers.get('x-error-code'), 'SS_GONE');
    const unknown = await call('POST', '/dead-letters/987654321/replay', admin, {});
    assert.equal(unknown.status, 404);
    for (const [path, body] of [['/dead-letters/abc/replay', {}], ['/dead-letters/replay', { consumer: '' }], ['/dead-letters/replay', { everything: true }]] as const) {
      const response = await call('POST', path, admin, body);
      assert.equal(response.status, 422, `${path} ${JSON.stringify(body)}`);
    }
    const after = (await (await call('GET', '/dead-letters', admin)).json()) as { pending: number; counts: { consumer: string }[] };
    assert.equal(after.pending, 1);
    assert.deepEqual(after.counts.map((c) => c.consumer), ['console-other-group']);

    // Replay all of one consumer: only its letters.
    await deadLetter('console-test-group', { n: 2 });
    const all = await call('POST', '/dead-letters/replay', admin, { consumer: 'console-test-group' });
    assert.deepEqual(await all.json(), { replayed: 1 });
    await eventually('the second replayed event handled', async () => handled.length === 2);
    assert.deepEqual((await new DeadLetterStore(sys.db).list()).map((d) => d.id), [other], 'the other consumer\'s letter is still pending');
  });

  test('faults: off without CONSOLE_FAULTS (no targets, setting one is 404); bad faults are 422', async () => {
    const admin = `Bearer ${ADMIN_TOKEN}`;
    assert.deepEqual(await (await call('GET', '/faults', admin)).json(), { enabled: false, targets: [] });
    const cut = await call('PUT', '/faults/redis', admin, { kind: 'cut' });
    assert.equal(cut.status, 404);
    for (const body of [{ kind: 'explode' }, { kind: 'latency' }, { kind: 'latency', ms: 0 }, { kind: 'latency', ms: 60_000 }, { kind: 'cut', ms: 5 }]) {
      const response = await call('PUT', '/faults/redis', admin, body);
      assert.equal(response.status, 422, JSON.stringify(body));
    }
    assert.equal((await call('PUT', '/faults/..%2Fetc', admin, { kind: 'cut' })).status, 422);
  });

  test('replicas: off without a supervisor (SUPERVISOR_URL unset): none listed, a kill is 404; a malformed name is 422', async () => {
    const admin = `Bearer ${ADMIN_TOKEN}`;
    assert.deepEqual(await (await call('GET', '/replicas', admin)).json(), { enabled: false, replicas: [], autoscaler: null });
    assert.equal((await call('POST', '/replicas/social-1/kill', admin)).status, 404);
    for (const name of ['social', 'Social-1', '..%2Frestart', 'social-1%2Fkill']) assert.equal((await call('POST', `/replicas/${name}/kill`, admin)).status, 422, name);
  });
});
