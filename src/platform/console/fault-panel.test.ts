import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../config/load-config.js';
import { FaultPanel } from './fault-panel.js';

/** CONSOLE_FAULTS' address rewriting (credentials, database and vhost kept; TLS left alone) and a cut as a client sees it. */
describe('console fault panel', () => {
  const panels: FaultPanel[] = [];
  const servers: Server[] = [];
  after(async () => {
    for (const p of panels) await p.close();
    for (const s of servers) await new Promise((r) => s.close(r));
  });

  test('Redis, the broker and each replica go through their own proxy; credentials, database and path are kept, nothing else changes', async () => {
    const config = loadConfig({}, {
      REDIS_URL: 'redis://:secret@localhost:6379/2',
      BUS_URL: 'amqp://user:pass@broker.internal/vhost',
      DATABASE_REPLICA_URLS: 'postgres://u:p@replica-a:5433/app,postgres://u:p@replica-b/app',
      DATABASE_URL: 'postgres://u:p@primary:5432/app',
    });
    const { config: next, panel } = await FaultPanel.start(config);
    panels.push(panel);
    const targets = panel.list();
    assert.deepEqual(targets.map((t) => [t.name, t.upstream, t.fault.kind]), [
      ['redis', 'localhost:6379', 'none'], ['bus', 'broker.internal:5672', 'none'], ['replica-1', 'replica-a:5433', 'none'], ['replica-2', 'replica-b:5432', 'none'],
    ]);
    const redis = new URL(next.REDIS_URL!);
    assert.deepEqual([redis.hostname, redis.password, redis.pathname], ['127.0.0.1', 'secret', '/2']);
    assert.notEqual(redis.port, '6379');
    const bus = new URL(next.BUS_URL!);
    assert.deepEqual([bus.hostname, bus.username, bus.password, bus.pathname], ['127.0.0.1', 'user', 'pass', '/vhost']);
    const replicas = next.DATABASE_REPLICA_URLS!.split(',').map((u) => new URL(u));
    assert.deepEqual(replicas.map((u) => [u.hostname, u.username, u.pathname]), [['127.0.0.1', 'u', '/app'], ['127.0.0.1', 'u', '/app']]);
    assert.equal(new Set([redis.port, bus.port, ...replicas.map((u) => u.port)]).size, 4, 'one proxy each');
    assert.equal(next.DATABASE_URL, config.DATABASE_URL, 'the primary is not proxied');
    assert.equal(panel.set('primary', { kind: 'cut' }), false, 'no such target');
  });

  test('TLS URLs are left alone', async () => {
    const config = loadConfig({}, { REDIS_URL: 'rediss://cache.example:6380' });
    const { config: next, panel } = await FaultPanel.start(config);
    panels.push(panel);
    assert.equal(next.REDIS_URL, 'rediss://cache.example:6380');
    assert.deepEqual(panel.list(), []);
  });

  test('a cut resets the open connection and refuses new ones; restored, bytes flow again', async () => {
    // The proxy resets its upstream side too: the echo server's socket sees ECONNRESET.
    const echo = createServer((s) => s.on('error', () => {}).pipe(s));
    servers.push(echo);
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const { config: next, panel } = await FaultPanel.start(loadConfig({}, { REDIS_URL: `redis://127.0.0.1:${(echo.address() as AddressInfo).port}` }));
    panels.push(panel);
    const port = Number(new URL(next.REDIS_URL!).port);
    const roundTrip = () => new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('ping'));
      socket.once('data', (d) => { resolve(d.toString()); socket.destroy(); });
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      socket.once('close', () => resolve('closed'));
    });
    assert.equal(await roundTrip(), 'ping');
    const open = connect(port, '127.0.0.1');
    await new Promise((r) => open.once('connect', r));
    const reset = new Promise<string>((r) => { open.on('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error')); open.once('close', () => r('closed')); });
    assert.equal(panel.set('redis', { kind: 'cut' }), true);
    assert.match(await reset, /ECONNRESET|closed/);
    assert.match(await roundTrip(), /ECONNRESET|closed/);
    panel.set('redis', { kind: 'none' });
    assert.equal(await roundTrip(), 'ping');
  });
});
