// What one cache miss waits for, one at a time, on L1 + L2 Redis + bus with the near cache on (the default), for
// two builds side by side (docs/perf/results.md, "A miss waits on Redis three times"):
//   node --import tsx docs/perf/cache-miss-latency.mts <checkout A> <checkout B> [rounds=3]
// Each round runs both builds, alternating, in fresh processes. One reader, 3,000 times: a single-key miss
// (getOrLoad, a viewer set) then a batch of 4 missing keys (getManyOrLoad, article summaries), each "database
// read" one turn of the loop. A saturating load hides round trips behind CPU (cache-batch-fill.mts); here
// nothing else runs, so the latency is the round trips a miss waits on, and their CPU.
// Needs Redis at REDIS_URL (default redis://127.0.0.1:6379); drops its keys after each run.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const MISSES = 3_000;

if (process.argv[2] === '--worker') {
  const root = process.argv[3]!;
  const { loadConfig } = await import(`${root}/src/platform/config/load-config.ts`);
  const { createLogger } = await import(`${root}/src/platform/log/logger.ts`);
  const { createMetrics } = await import(`${root}/src/platform/metrics/metrics.ts`);
  const { openCache } = await import(`${root}/src/platform/cache/open-cache.ts`);
  const { Redis } = await import('ioredis');
  const prefix = `miss-latency-${randomBytes(3).toString('hex')}`;
  const cache = await openCache(loadConfig({}, { CACHE_PREFIX: prefix, REDIS_URL }), createMetrics(), createLogger({ level: 'silent', pretty: false }));
  const body = 'x'.repeat(800); // about an article summary's size
  const databaseRead = () => new Promise((r) => setImmediate(r));
  const single: number[] = [];
  const batch: number[] = [];
  for (let i = 0; i < MISSES; i++) {
    let t = performance.now();
    await cache.getOrLoad('viewer', `s${i}`, async () => {
      await databaseRead();
      return { favorites: [1, 2, 3], following: [4, 5] };
    });
    single.push(performance.now() - t);
    t = performance.now();
    await cache.getManyOrLoad('article', [0, 1, 2, 3].map((j) => `b${i}-${j}`), async (keys: readonly string[]) => {
      await databaseRead();
      return new Map(keys.map((k) => [k, { id: k, body }]));
    });
    batch.push(performance.now() - t);
  }
  const quantiles = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return [0.5, 0.9, 0.99].map((p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!);
  };
  console.log(JSON.stringify({ single: quantiles(single), batch: quantiles(batch) }));
  await cache.close();
  const admin = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await admin.unlink(...keys);
  } while (cursor !== '0');
  admin.disconnect();
} else {
  const [, , a, b, rounds = '3'] = process.argv;
  if (!a || !b) throw new Error('usage: node --import tsx docs/perf/cache-miss-latency.mts <checkout A> <checkout B> [rounds]');
  const self = fileURLToPath(import.meta.url);
  console.log('| build | round | single-key miss p50 / p90 / p99 ms | batch of 4 misses p50 / p90 / p99 ms |');
  console.log('|---|--:|--:|--:|');
  for (let round = 1; round <= Number(rounds); round++) {
    for (const [name, root] of round % 2 === 1 ? [['A', a], ['B', b]] : [['B', b], ['A', a]]) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', self, '--worker', root!], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`${name}: ${run.stderr}`);
      const r = JSON.parse(run.stdout.trim().split('\n').pop()!) as { single: number[]; batch: number[] };
      const cell = (qs: number[]) => qs.map((q) => q.toFixed(3)).join(' / ');
      console.log(`| ${name} | ${round} | ${cell(r.single)} | ${cell(r.batch)} |`);
    }
  }
}
