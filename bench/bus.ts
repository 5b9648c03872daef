/**
 * The bus per adapter (memory, RabbitMQ, NATS JetStream, Redis): events/s
 * through publish → broker → subscribe (a no-op handler, concurrency 32),
 * publish-to-handle latency p50/p99 at saturation and at a paced 1,000
 * events/s, and the raw client's throughput measured the same way in the
 * same run (what our layer costs).
 *
 * Settings (env): BENCH_BUS_EVENTS (20000), BENCH_BUS_BATCH (100),
 * BENCH_BUS_IN_FLIGHT (4 batches), BENCH_BUS_TARGETS (memory,amqp,nats,redis),
 * TEST_AMQP_URL / TEST_NATS_URL / TEST_REDIS_URL.
 */
import { openBus } from '../src/platform/bus/open-bus.js';
import { BROKER_URLS, migratedMemoryDb, unique } from '../src/platform/bus/testing/targets.js';
import type { Benchmark } from './lib/benchmark.js';
import { rawAmqp, rawNats, rawRedis, type RawRun } from './lib/bus-raw.js';
import { percentile } from './lib/load.js';
import { machine, type Report } from './lib/report.js';

const envInt = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const settings = {
  events: envInt('BENCH_BUS_EVENTS', 20_000),
  batch: envInt('BENCH_BUS_BATCH', 100),
  inFlight: envInt('BENCH_BUS_IN_FLIGHT', 4),
  targets: (process.env['BENCH_BUS_TARGETS'] ?? 'memory,amqp,nats,redis').split(','),
};
const URLS: Record<string, string | undefined> = { memory: undefined, ...BROKER_URLS };
const RAW: Record<string, (url: string) => RawRun> = { amqp: rawAmqp, nats: rawNats, redis: rawRedis };

interface Result { rate: number; p50: number; p99: number }

async function runBus(url: string | undefined, count: number, paced: boolean): Promise<Result> {
  const db = await migratedMemoryDb();
  const bus = await openBus({ url, db });
  try {
    const topic = unique('bench');
    const latencies: number[] = [];
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    await bus.subscribe<{ t: number }>(topic, 'bench', async (d) => {
      latencies.push(performance.now() - d.payload.t);
      if (latencies.length === count) done();
    }, { concurrency: 32 });
    const t0 = performance.now();
    let next = 0;
    const send = async (n: number) => {
      const t = performance.now();
      await bus.publish(Array.from({ length: n }, () => ({ topic, key: `k${next++ % 64}`, payload: { t } })));
    };
    if (paced) {
      // 10 events every 10 ms = 1,000/s: latency when the system is not saturated.
      for (let sent = 0; sent < count; sent += 10) {
        await send(Math.min(10, count - sent));
        const due = t0 + ((sent + 10) / 1000) * 1000;
        await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      }
    } else {
      let sent = 0;
      await Promise.all(Array.from({ length: settings.inFlight }, async () => {
        while (sent < count) {
          const n = Math.min(settings.batch, count - sent);
          sent += n;
          await send(n);
        }
      }));
    }
    await Promise.race([finished, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${latencies.length}/${count} handled after 120 s`)), 120_000))]);
    const seconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    return { rate: Math.round(count / seconds), p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
  } finally {
    await bus.close();
    await db.close();
  }
}

export const benchmark: Benchmark = {
  name: 'bus',
  description: 'events/s and publish-to-handle p50/p99 per bus adapter, next to the raw broker client',
  async run(report: Report): Promise<boolean> {
    report.text(`## bus — ${new Date().toISOString()}`);
    report.facts({ ...machine(), events: settings.events, 'publish batch': settings.batch, 'batches in flight': settings.inFlight, 'handler concurrency': 32 });
    const rows: Array<Array<string | number>> = [];
    let valid = true;
    for (const name of settings.targets) {
      const url = URLS[name];
      try {
        const sat = await runBus(url, settings.events, false);
        const paced = await runBus(url, Math.min(3000, settings.events), true);
        const rawSeconds = url && RAW[name] ? await RAW[name](url)(settings.events, settings.batch, settings.inFlight) : null;
        const raw = rawSeconds === null ? '—' : Math.round(settings.events / rawSeconds);
        rows.push([name, sat.rate, sat.p50.toFixed(1), sat.p99.toFixed(1), paced.p50.toFixed(1), paced.p99.toFixed(1), raw]);
        process.stderr.write(`  ${name}: ${sat.rate} events/s (raw ${raw})\n`);
      } catch (err) {
        valid = false;
        rows.push([name, `failed: ${(err as Error).message}`, '', '', '', '', '']);
      }
    }
    report.table(['adapter', 'events/s', 'p50 ms (saturated)', 'p99 ms (saturated)', 'p50 ms (1k/s)', 'p99 ms (1k/s)', 'raw client events/s'], rows);
    report.text('Bus = our layer (envelope, validation hook, retry/DLQ wrapper, acks) on the adapter; raw = the broker client alone, same durability, same batches. Latency is publish call → handler start.');
    return valid;
  },
};
