/**
 * Log shipping to Loki: with a Loki URL the logger pushes its (redacted) JSON
 * lines in Loki's push format, in batches, to a real local HTTP server that
 * plays Loki; a push that fails is retried, not lost.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from './logger.js';
import { flushLogShipping } from './loki.js';

interface Push {
  streams: Array<{ stream: Record<string, string>; values: Array<[string, string]> }>;
}

describe('shipping logs to Loki', () => {
  let server: Server;
  let url: string;
  const pushes: Push[] = [];
  const paths: string[] = [];
  let failNext = 0;

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
        if (failNext > 0) {
          failNext--;
          res.writeHead(503).end();
          return;
        }
        pushes.push(JSON.parse(body) as Push);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const quiet = () => new Writable({ write: (_c, _e, cb) => cb() });
  const lines = () => pushes.flatMap((p) => p.streams.flatMap((s) => s.values.map(([ns, line]) => ({ labels: s.stream, ns, line: JSON.parse(line) as Record<string, unknown> }))));

  it('pushes batches in Loki\'s format: labels per stream, [nanoseconds, JSON line] values, secrets redacted', async () => {
    pushes.length = 0;
    const logger = createLogger({ level: 'info', destination: quiet(), loki: { url, labels: { app: 'scalestack', service: 'test' }, batchMs: 50, batchSize: 100 } });
    logger.info({ user: { email: 'a@b.c', password: 'hunter2-secret' } }, 'first');
    logger.warn({ headers: { authorization: 'Token eyJsecret' } }, 'second');
    logger.debug('below the level: not shipped');
    // The batch timer (50 ms) sends it; flushing waits for that push to land, however busy the machine.
    await new Promise((r) => setTimeout(r, 100));
    await flushLogShipping();
    assert.equal(pushes.length, 1, 'one batch for lines written together');
    assert.deepEqual(paths.at(-1), 'POST /loki/api/v1/push application/json');
    const got = lines();
    assert.deepEqual(got.map((l) => l.line['msg']), ['first', 'second']);
    assert.deepEqual(got.map((l) => l.labels), [{ app: 'scalestack', service: 'test', level: 'info' }, { app: 'scalestack', service: 'test', level: 'warn' }]);
    for (const l of got) {
      assert.match(l.ns, /^\d{19}$/, 'a nanosecond timestamp, as a string');
      assert.ok(Math.abs(Number(BigInt(l.ns) / 1_000_000n) - Date.now()) < 10_000);
    }
    const raw = JSON.stringify(pushes);
    assert.ok(!raw.includes('hunter2-secret') && !raw.includes('eyJsecret'), raw);
  });

  it('splits a burst into batches of batchSize', async () => {
    pushes.length = 0;
    const logger = createLogger({ level: 'info', destination: quiet(), loki: { url, batchMs: 1000, batchSize: 100 } });
    for (let i = 0; i < 250; i++) logger.info({ i }, 'burst');
    await flushLogShipping();
    assert.deepEqual(pushes.map((p) => p.streams[0]!.values.length), [100, 100, 50]);
    assert.deepEqual(lines().map((l) => l.line['i']), Array.from({ length: 250 }, (_, i) => i), 'in order, none lost');
  });

  it('keeps the lines when Loki fails, and sends them on the retry', async () => {
    pushes.length = 0;
    failNext = 1;
    const logger = createLogger({ level: 'info', destination: quiet(), loki: { url, batchMs: 50 } });
    logger.info('survives an outage');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(failNext, 0, 'the first push was refused');
    assert.deepEqual(lines().map((l) => l.line['msg']), ['survives an outage']);
  });
});
