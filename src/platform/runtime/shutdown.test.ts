// @isolated: asserts functional time bounds (start within 15 s, exit within 10 s) that a busy neighbour would break.
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
    // Aim for about a second: measure one registration, and on a slow or busy machine restart (same
    // DATA_DIR, so the restart is quick) with a cheaper profile, so the in-flight request stays well
    // inside the 10 s shutdown timeout that is being tested.
    let memoryKib = 262_144;
    let proc: NodeProcess | undefined;
    let registerMs = 0;
    let users = 0;
    const register = (p: NodeProcess, name: string) =>
      rawRequest(p.url, 'POST', '/api/users', { user: { username: name, email: `${name}@example.com`, password: 'password123' } });
    for (let attempt = 0; attempt < 3; attempt++) {
      if (proc) await proc.stop('SIGTERM', 30_000);
      const current: NodeProcess = await spawnCli({
        env: { DATA_DIR: dataDir, LOG_LEVEL: 'info', ARGON2_MEMORY_KIB: String(memoryKib), ARGON2_TIME_COST: '8' },
      });
      proc = current;
      cleanups.push(() => current.stop('SIGKILL'));
      await current.waitReady('/readyz', 90_000);
      const t0 = performance.now();
      const first = await register(current, `user${++users}`);
      registerMs = performance.now() - t0;
      assert.equal(first.status, 201, JSON.stringify(first.body));
      t.diagnostic(`one registration takes ${Math.round(registerMs)} ms with argon2 ${memoryKib / 1024} MiB, t=8`);
      if (registerMs <= 2500) break;
      memoryKib = Math.max(8192, Math.floor((memoryKib * 1000) / registerMs / 1024) * 1024);
    }
    assert.ok(proc);
    assert.ok(registerMs > 150, `registration took ${Math.round(registerMs)} ms: too fast to catch in flight`);
    assert.ok(registerMs < 6000, `registration still takes ${Math.round(registerMs)} ms at the cheapest profile: the machine is too busy for this test`);
    const signalAfterMs = Math.min(100, registerMs / 3);

    // The slow request, on its own connection.
    const sent = performance.now();
    const inFlight = register(proc, 'second');
    await sleep(signalAfterMs);
    assert.ok(await acceptsConnections(proc.port), 'the server accepts connections before the signal');
    const signalled = performance.now();
    proc.child.kill('SIGTERM');

    // While draining: the in-flight request is not done, and new connections are already refused.
    let refusedWhileDraining = false;
    let settled = false;
    inFlight.then(
      () => (settled = true),
      () => (settled = true),
    );
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
