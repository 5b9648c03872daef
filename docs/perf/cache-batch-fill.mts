// The cache's batch read (getManyOrLoad) on L1 + L2 Redis + bus, near cache off so every read reaches the tiers,
// for two builds side by side (docs/perf/results.md, "Fills not published"):
//   node --import tsx docs/perf/cache-batch-fill.mts <checkout A> <checkout B> [rounds=2]
// Each round runs both builds, alternating, in fresh processes: 8 readers for 6 s, each reading 20 keys per batch:
// - half of them never seen before (misses: load, store, check), each reader its own;
// - half of them new keys that every reader asks for at once (a new key every 20 ms: misses the readers share);
// - all of them in L1.
// Prints batches/s, per-batch p50/p90/p99, keys loaded and Redis commands sent per batch (INFO commandstats).
// Needs Redis at REDIS_URL (default redis://127.0.0.1:6379). BATCH_FILL_NEAR=1 puts the near cache in front (the
// default configuration): then only misses reach the tiers, and "all in L1" is answered from the near cache.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const READERS = 8;
const SECONDS = 6;
const HOT = 5_000;

if (process.argv[2] === '--worker') {
  const [, , , root, workload] = process.argv;
  const { loadConfig } = await import(`${root}/src/platform/config/load-config.ts`);
  const { createLogger } = await import(`${root}/src/platform/log/logger.ts`);
  const { createMetrics } = await import(`${root}/src/platform/metrics/metrics.ts`);
  const { openCache } = await import(`${root}/src/platform/cache/open-cache.ts`);
  const { Redis } = await import('ioredis');
  const config = loadConfig({}, { CACHE_PREFIX: `batch-fill-${randomBytes(3).toString('hex')}`, REDIS_URL, CACHE_NEAR_ENABLED: process.env['BATCH_FILL_NEAR'] === '1' });
  const cache = await openCache(config, createMetrics(), createLogger({ level: 'silent', pretty: false }));
  const admin = new Redis(REDIS_URL);
  const commands = async () => {
    let calls = 0;
    for (const m of (await admin.info('commandstats')).matchAll(/cmdstat_(\w+):calls=(\d+)/g)) if (m[1] !== 'info') calls += Number(m[2]);
    return calls;
  };
  const body = 'x'.repeat(800); // about an article summary's size
  let keysLoaded = 0;
  const load = async (keys: readonly string[]) => {
    keysLoaded += keys.length;
    await new Promise((r) => setImmediate(r)); // a database read takes at least a turn of the loop
    return new Map(keys.map((k) => [k, { id: k, title: `title ${k}`, body }]));
  };
  for (let i = 0; i < HOT; i += 100) await cache.getManyOrLoad('article', Array.from({ length: 100 }, (_, j) => `hot${i + j}`), load);
  const miss = workload === 'all in L1' ? 0 : 0.5;
  const shared = workload === 'half missing, shared';
  let fresh = 0;
  const start = performance.now();
  const newKey = () => (shared ? `shared${Math.floor((performance.now() - start) / 20)}-${fresh++ % 10}` : `new${fresh++}`);
  const latencies: number[] = [];
  const before = await commands();
  keysLoaded = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: READERS }, async () => {
      while (Date.now() < end) {
        const keys = Array.from({ length: 20 }, () => (Math.random() < miss ? newKey() : `hot${Math.floor(Math.random() * HOT)}`));
        const t = performance.now();
        await cache.getManyOrLoad('article', keys, load);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const sent = (await commands()) - before;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  console.log(JSON.stringify({ perSecond: latencies.length / SECONDS, p50: q(0.5), p90: q(0.9), p99: q(0.99), loadedPerBatch: keysLoaded / latencies.length, commandsPerBatch: sent / latencies.length }));
  await cache.close();
  admin.disconnect();
} else {
  const [, , a, b, rounds = '2'] = process.argv;
  if (!a || !b) throw new Error('usage: node --import tsx docs/perf/cache-batch-fill.mts <checkout A> <checkout B> [rounds]');
  const self = fileURLToPath(import.meta.url);
  console.log('| workload | build | round | batches/s | p50 ms | p90 ms | p99 ms | keys loaded / batch | Redis commands / batch |');
  console.log('|---|---|--:|--:|--:|--:|--:|--:|--:|');
  for (const workload of ['half missing', 'half missing, shared', 'all in L1']) {
    for (let round = 1; round <= Number(rounds); round++) {
      for (const [name, root] of round % 2 === 1 ? [['A', a], ['B', b]] : [['B', b], ['A', a]]) {
        const run = spawnSync(process.execPath, ['--import', 'tsx', self, '--worker', root!, workload], { encoding: 'utf8' });
        if (run.status !== 0) throw new Error(`${name}: ${run.stderr}`);
        const r = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, number>;
        const f = (n: number) => n.toFixed(2);
        console.log(`| ${workload} | ${name} | ${round} | ${r['perSecond']!.toFixed(0)} | ${f(r['p50']!)} | ${f(r['p90']!)} | ${f(r['p99']!)} | ${r['loadedPerBatch']!.toFixed(2)} | ${r['commandsPerBatch']!.toFixed(1)} |`);
      }
    }
  }
}
