/**
 * Graceful shutdown of the real CLI process: on SIGTERM a request already in
 * flight still completes, the listener stops accepting, and the process
 * exits 0 in time.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptsConnections, rawRequest, sleep, spawnCli, type NodeProcess } from '../../testing/cli-process.js';

describe('graceful shutdown of `scalestack start`', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  it('finishes the in-flight request, refuses new connections, and exits 0', async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'scalestack-shutdown-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    // A costly argon2 profile makes registering a user a request that lasts long enough to catch in flight.
    const proc: NodeProcess = await spawnCli({
      env: { DATA_DIR: dataDir, LOG_LEVEL: 'info', ARGON2_MEMORY_KIB: '262144', ARGON2_TIME_COST: '8' },
    });
    cleanups.push(() => proc.stop('SIGKILL'));
    await proc.waitReady('/readyz', 30_000);

    const register = (name: string) =>
      rawRequest(proc.url, 'POST', '/api/users', { user: { username: name, email: `${name}@example.com`, password: 'password123' } });

    // How long one registration takes here (the machine decides), to aim the signal inside it.
    const t0 = performance.now();
    const first = await register('first');
    const registerMs = performance.now() - t0;
    assert.equal(first.status, 201, JSON.stringify(first.body));
    t.diagnostic(`one registration takes ${Math.round(registerMs)} ms with argon2 256 MiB, t=8`);
    assert.ok(registerMs > 150, `registration took ${Math.round(registerMs)} ms: too fast to catch in flight`);
    const signalAfterMs = Math.min(100, registerMs / 3);

    // The slow request, on its own connection.
    const sent = performance.now();
    const inFlight = register('second');
    await sleep(signalAfterMs);
    assert.ok(await acceptsConnections(proc.port), 'the server accepts connections before the signal');
    const signalled = performance.now();
    proc.child.kill('SIGTERM');

    // While draining: the in-flight request is not done, and new connections are already refused.
    let refusedWhileDraining = false;
    let settled = false;
    void inFlight.finally(() => (settled = true));
    while (!settled && !proc.hasExited()) {
      if (!(await acceptsConnections(proc.port))) {
        refusedWhileDraining = !settled;
        break;
      }
      await sleep(5);
    }

    const response = await inFlight;
    const answeredMs = performance.now() - sent;
    assert.equal(response.status, 201, `the in-flight registration should complete: ${JSON.stringify(response.body)}`);
    assert.equal((response.body as { user: { username: string } }).user.username, 'second');
    assert.ok(answeredMs > signalAfterMs, 'the response came after the signal');

    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      proc.exited,
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 10_000))),
    ]);
    clearTimeout(timer);
    assert.notEqual(exit, 'timeout', `the process did not exit within 10 s of SIGTERM:\n${proc.output()}`);
    const exitMs = performance.now() - signalled;
    assert.deepEqual(exit, { code: 0, signal: null }, `exit after SIGTERM:\n${proc.output()}`);
    t.diagnostic(`in-flight request answered ${Math.round(answeredMs)} ms after it was sent; exit ${Math.round(exitMs)} ms after SIGTERM`);

    assert.ok(refusedWhileDraining, 'new connections should be refused while the in-flight request drains');
    assert.equal(await acceptsConnections(proc.port), false, 'nothing listens after exit');
    assert.match(proc.output(), /shutting down/, 'the shutdown is logged');
  });
});
