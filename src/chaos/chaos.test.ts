// @isolated: the experiments assert p99 bounds under load, which a busy neighbour would break.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dbTargets } from '../testing/db-targets.js';
import { ownRedisOptions } from '../testing/redis-server.js';
import { ExperimentError, loadExperiment, type Experiment } from './experiment.js';
import { FaultProxy } from './fault-proxy.js';
import { runExperiment, type ExperimentReport } from './run-experiment.js';
import { TargetSystem } from './target-system.js';
import { formatReport } from '../cli/chaos.js';
import { REPO_ROOT, cliEntry, scriptArgs } from '../testing/cli-process.js';

const dir = join(import.meta.dirname, '../../deploy/chaos');
const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;

describe('chaos experiment files', () => {
  it('every file in deploy/chaos is a valid experiment; a bad one is refused naming the field', () => {
    const names = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    assert.ok(names.length >= 7);
    for (const f of names) assert.equal(loadExperiment(join(dir, f)).name, f.replace(/\.yaml$/, ''));
    const tmp = mkdtempSync(join(tmpdir(), 'chaos-file-'));
    try {
      writeFileSync(join(tmp, 'bad.yaml'), readFileSync(join(dir, 'replica-kill-9.yaml'), 'utf8').replace('topology: services', 'topology: cluster'));
      assert.throws(() => loadExperiment(join(tmp, 'bad.yaml')), (e: Error) => e instanceof ExperimentError && /\/system\/topology/.test(e.message));
      writeFileSync(join(tmp, 'broken.yaml'), 'name: [unclosed');
      assert.throws(() => loadExperiment(join(tmp, 'broken.yaml')), ExperimentError);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('the TCP fault proxy', () => {
  let echo: ReturnType<typeof createServer>;
  let port = 0;
  before(async () => {
    // The proxy resets its side of these connections too: the echo server sees ECONNRESET, expected.
    echo = createServer((s) => s.on('error', () => {}).pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    port = (echo.address() as AddressInfo).port;
  });
  after(() => echo.close());

  const roundTrip = (proxyPort: number) => new Promise<{ ms: number; error?: string }>((resolve) => {
    const started = performance.now();
    const s = connect(proxyPort, '127.0.0.1', () => s.write('ping'));
    s.once('data', () => (s.destroy(), resolve({ ms: performance.now() - started })));
    s.once('error', (err: NodeJS.ErrnoException) => resolve({ ms: performance.now() - started, error: err.code ?? err.message }));
  });

  it('passes bytes through, adds latency each way, and resets connections, old and new', async () => {
    const proxy = new FaultProxy({ host: '127.0.0.1', port });
    await proxy.start();
    try {
      assert.equal((await roundTrip(proxy.port)).error, undefined);
      proxy.set({ kind: 'latency', ms: 150 });
      const slow = await roundTrip(proxy.port);
      assert.equal(slow.error, undefined);
      assert.ok(slow.ms >= 300, `round trip ${slow.ms} ms: 150 ms each way`);
      const open = connect(proxy.port, '127.0.0.1');
      await new Promise((r) => open.once('connect', r));
      await new Promise((r) => setTimeout(r, 50));
      const reset = new Promise<string>((r) => open.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? '')));
      proxy.set({ kind: 'reset' });
      assert.equal(await reset, 'ECONNRESET');
      assert.equal((await roundTrip(proxy.port)).error, 'ECONNRESET');
      proxy.set({ kind: 'none' });
      assert.equal((await roundTrip(proxy.port)).error, undefined);
    } finally {
      await proxy.close();
    }
  });
});

// In the suite, CI included (about 5 minutes, run alone in the isolated phase); CHAOS_SUITE=0 leaves them out of a quick local
// run (not registered rather than skipped, because CI fails on any skipped test).
if (process.env['CHAOS_SUITE'] !== '0') describe('chaos experiments on real servers (own Redis, own NATS, a fresh Postgres database)', { ...postgres.options, ...(postgres.options.skip ? {} : ownRedisOptions()), timeout: 900_000 }, () => {
  const reports = new Map<string, ExperimentReport>();
  before(async () => {
    const experiments = readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => loadExperiment(join(dir, f)));
    // Experiments with the same system block share one system (started once): the suite's time is the windows, not the starts.
    const groups = new Map<string, Experiment[]>();
    for (const e of experiments) groups.set(JSON.stringify(e.system), [...(groups.get(JSON.stringify(e.system)) ?? []), e]);
    for (const group of groups.values()) {
      const url = (await postgres.create())!;
      const system = new TargetSystem(group[0]!, url, scriptArgs(join(REPO_ROOT, cliEntry())));
      try {
        await system.start();
        for (const e of group) {
          const report = await runExperiment(e, url, () => {}, system);
          reports.set(e.name, report);
          console.log(formatReport(report));
        }
      } finally {
        await system.close();
        await postgres.drop(url);
      }
    }
  });

  for (const name of ['replica-kill-9', 'replica-sigstop', 'redis-down', 'redis-latency', 'redis-resets', 'broker-restart']) {
    it(`${name}: the hypothesis holds before, during and after`, () => {
      const r = reports.get(name)!;
      assert.ok(r.held, formatReport(r));
      assert.ok(r.during && r.during.requests > 0 && r.after && r.after.requests > 0);
    });
  }

  it('broker-restart: every article posted during the restart reaches the follower\'s feed once', () => {
    const r = reports.get('broker-restart')!;
    assert.ok(r.writes.posted >= 10, `${r.writes.posted} posted`);
    assert.deepEqual(r.feed, { expected: r.writes.posted, found: r.writes.posted, duplicates: 0 });
  });

  it('the broken build (gateway retries off) fails the kill -9 experiment: requests fail while the replica is gone', () => {
    const r = reports.get('replica-kill-9-no-retries')!;
    assert.equal(r.held, false, formatReport(r));
    assert.ok(r.before.held, 'steady before the injection');
    assert.ok(r.during!.errors > 0, formatReport(r));
  });
});
