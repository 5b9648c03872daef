// Each reader's first feed read in a fresh process (its activity record due; its timeline already in
// Redis), builds alternating. Usage: node --import tsx docs/perf/feed-first-read.mts <treeA> <treeB> [rounds]
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadSeed } from '../../src/loadgen/seed/seed-data.js';
import { spawnCli, spawnScript } from '../../src/testing/cli-process.js';
import { dbTargets } from '../../src/testing/db-targets.js';
import { TEST_REDIS_URL as REDIS_URL } from '../../src/testing/redis-probe.js';

const [a, b, r] = process.argv.slice(2);
const trees = [a!, b!];
const rounds = Number(r ?? 3);
const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
const url = (await postgres.create())!;
const dir = await mkdtemp(join(tmpdir(), 'first-read-'));
const seedFile = join(dir, 'seed.json');
const prefix = `fr-${randomBytes(3).toString('hex')}`;
const env = { DATABASE_URL: url, REDIS_URL, JWT_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false',
  ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', FEED_STRATEGY: 'hybrid', CACHE_PREFIX: prefix };
const seeding = await spawnScript('src/cli/main.ts', ['seed', '--bulk', '--users', '5000', '--articles', '5000', '--top-followers', '2500', '--active', '0.2', '--sample', '500', '--out', seedFile], { env });
if ((await seeding.exited).code !== 0) throw new Error(seeding.output());
const c = new pg.Client({ connectionString: url }); await c.connect(); await c.query('analyze'); await c.end();
const tokens = (await loadSeed(seedFile)).users.map((u) => u.token);
const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]!.toFixed(2);
async function session(tree: string) {
  process.env['SCALESTACK_CLI_ENTRY'] = join(tree, 'build/cli/main.js');
  const system = await spawnCli({ env });
  await system.waitReady('/readyz', 60_000);
  const lat: number[] = [];
  for (const token of tokens) {
    const t = performance.now();
    const res = await fetch(`${system.url}/api/articles/feed?limit=20`, { headers: { authorization: `Token ${token}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`feed ${res.status}`);
    lat.push(performance.now() - t);
  }
  await system.stop();
  return lat.sort((x, y) => x - y);
}
await session(trees[0]!); // timelines built, caches filled in Redis
const all: Record<string, number[]> = {};
for (let round = 0; round < rounds; round++) {
  for (const tree of round % 2 ? [...trees].reverse() : trees) {
    const lat = await session(tree);
    (all[tree] ??= []).push(...lat);
    console.log(`round ${round} ${tree}: n ${lat.length} p50 ${q(lat, 0.5)} p90 ${q(lat, 0.9)} p99 ${q(lat, 0.99)} mean ${(lat.reduce((s, x) => s + x, 0) / lat.length).toFixed(2)}`);
  }
}
for (const [tree, lat] of Object.entries(all)) { lat.sort((x, y) => x - y); console.log(`all ${tree}: n ${lat.length} p50 ${q(lat, 0.5)} p90 ${q(lat, 0.9)} p99 ${q(lat, 0.99)} mean ${(lat.reduce((s, x) => s + x, 0) / lat.length).toFixed(2)}`); }
await postgres.drop(url);
process.exit(0);
