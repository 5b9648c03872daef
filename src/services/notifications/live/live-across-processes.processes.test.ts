// @isolated: a multi-process topology (gateway, two notifications replicas) against real Postgres and Redis.
/**
 * Acceptance: behind the gateway, a user connected by SSE to one
 * notifications process and by WebSocket to the other receives, within 1 s,
 * each notification caused through the gateway (whichever social replica
 * served the action); the gateway itself proxies both (SSE streamed,
 * WebSocket relayed); a reconnect with Last-Event-ID misses nothing and
 * repeats nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEntry, rawRequest, spawnScript, type NodeProcess } from '../../../testing/cli-process.js';
import { dbTargets } from '../../../testing/db-targets.js';
import { redisUnavailable, TEST_REDIS_URL } from '../../../testing/redis-probe.js';
import { dropRedisKeys } from '../../../testing/redis-keys.js';
import { skipUnlessAvailable } from '../../../testing/services-required.js';
import { waitFor } from '../../../platform/bus/testing/targets.js';
import { openSse, openWs, type Received } from '../testing/live-clients.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
const options = postgres.options.skip ? postgres.options : skipUnlessAvailable(await redisUnavailable());

describe('live notifications across processes (gateway + 2 notifications replicas, Redis pub/sub)', {
  ...options,
  timeout: 560_000,
}, () => {
  let system: NodeProcess;
  let dbUrl: string | undefined;
  let dataDir: string;
  let replicas: string[] = [];
  // Its cache keys and bus streams on the shared Redis, dropped after the suite.
  const redisPrefix = `notify-${randomBytes(4).toString('hex')}`;

  before(async () => {
    dbUrl = await postgres.create();
    dataDir = await mkdtemp(join(tmpdir(), 'scalestack-notify-'));
    system = await spawnScript(cliEntry(), ['start', '--topology', 'services', '--replicas', 'notifications=2'], {
      env: {
        DATABASE_URL: dbUrl, DATA_DIR: dataDir, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: redisPrefix,
        LOG_LEVEL: 'warn', LOG_PRETTY: 'false', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', NOTIFICATIONS_HEARTBEAT_MS: '2000',
      },
    });
    await system.waitReady('/readyz', 420_000);
    const { adminUrl, adminToken } = JSON.parse(await readFile(join(dataDir, 'supervisor.json'), 'utf8')) as { adminUrl: string; adminToken: string };
    await waitFor('two notifications replicas', async () => {
      const res = await fetch(new URL('/replicas', adminUrl), { headers: { authorization: `Bearer ${adminToken}` } });
      const list = ((await res.json()) as { replicas: { url?: string; services: string[] }[] }).replicas;
      replicas = list.flatMap((r) => (r.url && r.services.includes('notifications') ? [r.url] : []));
      return replicas.length === 2;
    }, 60_000);
  });
  after(async () => {
    await system?.stop('SIGTERM', 30_000);
    await postgres.drop(dbUrl);
    await rm(dataDir, { recursive: true, force: true });
    await dropRedisKeys(TEST_REDIS_URL, `${redisPrefix}:*`);
  });

  const register = async (name: string) => {
    const username = `${name}${randomBytes(3).toString('hex')}`;
    const res = await rawRequest(system.url, 'POST', '/api/users', { user: { username, email: `${username}@example.com`, password: 'password123' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return { username, token: (res.body as { user: { token: string } }).user.token };
  };
  const followVia = (token: string, username: string) =>
    rawRequest(system.url, 'POST', `/api/profiles/${username}/follow`, undefined, { authorization: `Token ${token}` });

  it('SSE on replica A, WebSocket on replica B, SSE and WebSocket through the gateway: each notification reaches all four within 1 s', async () => {
    const alice = await register('alice');
    const sseA = await openSse(replicas[0]!, alice.token);
    const wsB = await openWs(replicas[1]!, alice.token);
    const sseGw = await openSse(system.url, alice.token);
    const wsGw = await openWs(system.url, alice.token);
    const all: Received[][] = [sseA.received, wsB.received, sseGw.received, wsGw.received];
    try {
      for (let i = 0; i < 4; i++) {
        const fan = await register('fan');
        const res = await followVia(fan.token, alice.username);
        assert.equal(res.status, 200);
        const acted = Date.now();
        await waitFor(`notification ${i + 1} everywhere`, () => all.every((r) => r.length === i + 1), 10_000);
        assert.ok(Date.now() - acted <= 1000, `notification ${i + 1} took ${Date.now() - acted} ms to reach all four`);
        assert.ok(all.every((r) => (r[i]!.notification['actor'] as { username: string }).username === fan.username));
      }
    } finally {
      sseA.close();
      sseGw.close();
      wsB.socket.close();
      wsGw.socket.close();
    }
  });

  it('through the gateway: a reconnect with Last-Event-ID (SSE) and ?lastEventId (WebSocket) misses nothing and repeats nothing', async () => {
    const alice = await register('alice');
    const first = await openSse(system.url, alice.token);
    await followVia((await register('fan')).token, alice.username);
    await waitFor('first', () => first.received.length === 1, 10_000);
    first.close();
    const lastId = first.received[0]!.id;
    for (let i = 0; i < 3; i++) await followVia((await register('fan')).token, alice.username);
    await waitFor('stored', async () => {
      const res = await rawRequest(system.url, 'GET', '/api/notifications', undefined, { authorization: `Token ${alice.token}` });
      return (res.body as { notifications: unknown[] }).notifications.length === 4;
    }, 10_000);
    const sse = await openSse(system.url, alice.token, lastId);
    const ws = await openWs(system.url, alice.token, lastId);
    try {
      await waitFor('3 missed', () => sse.received.length >= 3 && ws.received.length >= 3, 10_000);
      await followVia((await register('fan')).token, alice.username);
      await waitFor('1 live', () => sse.received.length >= 4 && ws.received.length >= 4, 10_000);
      await new Promise((r) => setTimeout(r, 500));
      for (const got of [sse.received, ws.received]) {
        const ids = got.map((r) => r.id);
        assert.equal(ids.length, 4, JSON.stringify(ids));
        assert.equal(new Set(ids).size, 4);
        assert.ok(ids.every((id) => id > lastId));
      }
    } finally {
      sse.close();
      ws.socket.close();
    }
  });

  it('the gateway refuses a stream or WebSocket without a valid token (401), and another user\'s stream carries none of alice\'s', async () => {
    const res = await rawRequest(system.url, 'GET', '/api/notifications/stream');
    assert.equal(res.status, 401);
    await assert.rejects(openWs(system.url, 'forged'), /upgrade refused: 401/);
    const alice = await register('alice');
    const bob = await register('bob');
    const bobs = await openSse(system.url, bob.token);
    try {
      await followVia((await register('fan')).token, alice.username);
      await waitFor('alice notified', async () => {
        const r = await rawRequest(system.url, 'GET', '/api/notifications', undefined, { authorization: `Token ${alice.token}` });
        return (r.body as { notifications: unknown[] }).notifications.length === 1;
      }, 10_000);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(bobs.received.length, 0);
    } finally {
      bobs.close();
    }
  });
});
