import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../../log/logger.js';
import { Autoscaler, hostCpuMeter, type ScalableReplicas } from './autoscaler.js';
import { defaultPolicy, type Policy } from './decide.js';

const TOKEN = 't'.repeat(24);
/** A clock reading well past the epoch, as Date.now() is (a state starts with its last change at 0). */
const T0 = 1_000_000_000;

/** A replica's /metrics: `text()` answered to the autoscaler's token, 401 to anything else (or always, with `refuse`). */
async function metricsServer(text: () => string, refuse = false): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (refuse || req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * The autoscaler on a clock of the test's: a scrape takes no time unless the test moves the clock (a real scrape's
 * few ms, more on a loaded machine, would move the CPU read: 1.9 s over 1.9 s of readings is 100%, not 95%).
 */
let clockMs = 0;
function harness(url: string, hostCpu = 0.4, policy: Partial<Policy> = {}) {
  const lines: Array<{ level: number; msg: string }> = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string });
  });
  const scaled: number[] = [];
  const target: ScalableReplicas = {
    replicasOf: () => [{ name: 'social-1', url }],
    scaleTo: async (_service, count) => void scaled.push(count),
  };
  // The host's CPU is the test's, not this machine's (a busy CI host would hold every scale-out).
  const autoscaler = new Autoscaler(target, ['social'], TOKEN, createLogger({ level: 'debug', pretty: false, destination }), { ...defaultPolicy, max: 8, ...policy }, 2_000, () => hostCpu, () => clockMs);
  return { autoscaler, scaled, warnings: () => lines.filter((l) => l.level === 40).map((l) => l.msg), infos: () => lines.filter((l) => l.level === 30).map((l) => l.msg) };
}

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

describe('autoscaler: from scraped metrics to a decision', () => {
  it('a replica at 95% CPU over the interval is scaled out, on the CPU its counter shows', async () => {
    let cpu = 10;
    const { url, server } = await metricsServer(() => `process_cpu_seconds_total ${cpu}\n`);
    servers.push(server);
    const { autoscaler, scaled } = harness(url);
    await autoscaler.tick(T0);
    cpu += 1.9;
    await autoscaler.tick(T0 + 2_000);
    assert.deepEqual(scaled, [2]);
    assert.equal(autoscaler.decisions.at(-1)?.reason, 'CPU 95% > 70%');
  });

  it("a replica limited to 0.3 core is read against its limit: 0.27 core of CPU is 90% of it, and it is scaled out", async () => {
    let cpu = 10;
    const { url, server } = await metricsServer(() => `process_cpu_seconds_total ${cpu}\n`);
    servers.push(server);
    const limited = harness(url, 0.4, { replicaCpu: 0.3 });
    await limited.autoscaler.tick(T0);
    cpu += 0.54;
    await limited.autoscaler.tick(T0 + 2_000);
    assert.deepEqual(limited.scaled, [2]);
    assert.equal(limited.autoscaler.decisions.at(-1)?.reason, 'CPU 90% of 0.3 core > 70%');
  });

  it('CPU is over the time between two readings, not two ticks: a reading answered 1 s late spreads the same increase over 3 s', async () => {
    let cpu = 10;
    let late = false;
    // The second answer comes 1 s into its tick (a replica slow to answer under load).
    const { url, server } = await metricsServer(() => {
      if (late) clockMs += 1_000;
      return `process_cpu_seconds_total ${cpu}\n`;
    });
    servers.push(server);
    const { autoscaler, scaled } = harness(url);
    await autoscaler.tick(T0);
    cpu += 1.9;
    late = true;
    await autoscaler.tick(T0 + 2_000);
    assert.deepEqual(scaled, []);
    // 1.9 s of CPU over 3 s (the tick's 2 s and the 1 s the answer took): 63%, between the marks; over the tick's 2 s it was 95%.
    assert.equal(autoscaler.decisions.at(-1)!.signals.cpu.toFixed(4), (1.9 / 3).toFixed(4));
    assert.equal(autoscaler.decisions.at(-1)!.reason, 'between the marks (hysteresis): CPU 63% ≥ 30%');
  });

  it("the same replica on a host whose cores are all busy is not scaled out, and the log says why at info (once per 30 s)", async () => {
    let cpu = 10;
    const { url, server } = await metricsServer(() => `process_cpu_seconds_total ${cpu}\n`);
    servers.push(server);
    const { autoscaler, scaled, infos } = harness(url, 0.97);
    for (const at of [0, 2_000, 4_000, 6_000]) {
      await autoscaler.tick(T0 + at);
      cpu += 1.9;
    }
    assert.deepEqual(scaled, []);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(infos(), ['autoscale social: hold at 1 (CPU 95% > 70%; host CPU 97%: more replicas cannot add capacity)']);
  });

  it("the console's list keeps scale-outs and the holds logged at info, not quiet holds; both lists stay bounded", async () => {
    let cpu = 10;
    const { url, server } = await metricsServer(() => `process_cpu_seconds_total ${cpu}\n`);
    servers.push(server);
    const held = harness(url, 0.97);
    // Held by the host at every tick, logged (and listed) once per 30 s; one quiet tick first (no previous reading).
    for (let at = 0; at <= 62_000; at += 2_000) {
      await held.autoscaler.tick(T0 + at);
      cpu += 1.9;
    }
    assert.deepEqual(held.autoscaler.view().recent.map((d) => [d.at - T0, d.action]), [[2_000, 'hold'], [32_000, 'hold'], [62_000, 'hold']]);
    assert.equal(held.autoscaler.decisions.length, 32);

    const scaled = harness(url);
    await scaled.autoscaler.tick(T0);
    cpu += 1.9;
    await scaled.autoscaler.tick(T0 + 2_000);
    const view = scaled.autoscaler.view();
    assert.deepEqual(view.recent.map((d) => [d.service, d.action, d.from, d.to]), [['social', 'out', 1, 2]]);
    assert.equal(view.intervalMs, 2_000);
    assert.equal(view.policy.max, 8);
    // Between the marks for 300 more ticks: none is news, and the full record keeps only the last 200.
    for (let at = 4_000; at < 604_000; at += 2_000) {
      await scaled.autoscaler.tick(T0 + at);
      cpu += 1;
    }
    assert.equal(scaled.autoscaler.decisions.length, 200);
    assert.equal(scaled.autoscaler.decisions.at(-1)?.at, T0 + 602_000);
    assert.equal(scaled.autoscaler.view().recent.length, 1);
  });

  it("the host's CPU is the busy share of all its cores between two readings", () => {
    const readings = [{ busy: 1_000, total: 4_000 }, { busy: 2_800, total: 6_000 }, { busy: 2_800, total: 6_000 }];
    const meter = hostCpuMeter(() => readings.shift()!);
    assert.equal(meter(), 0.9);
    assert.equal(meter(), 0);
  });

  it('a replica whose /metrics refuses the scrape decides nothing, and says so in a warning (at most one per 30 s)', async () => {
    const { url, server } = await metricsServer(() => '', true);
    servers.push(server);
    const { autoscaler, scaled, warnings } = harness(url);
    for (const at of [0, 2_000, 10_000, 31_000]) await autoscaler.tick(T0 + at);
    assert.deepEqual(scaled, []);
    assert.equal(autoscaler.decisions.length, 0);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings(), Array(2).fill('autoscale social: no metrics from 1 of 1 replicas (social-1: answered 401)'));
  });
});
