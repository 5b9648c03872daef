// A reader's feed read with nothing of theirs cached (viewer sets, article summaries, profiles: every cache entry
// deleted from Redis, a fresh process), their timeline stored: the miss the feed bench's slow reads wait on.
// One read at a time, builds alternating; also the system's CPU per read (/proc/<pid>/stat).
// Usage: node --import tsx docs/perf/feed-cold-read.mts <treeA> <treeB> [rounds]   (each tree built: npm run build:server)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
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
const dir = await mkdtemp(join(tmpdir(), 'cold-read-'));
const seedFile = join(dir, 'seed.json');
const prefix = `cr-${randomBytes(3).toString('hex')}`;
// The top author (2,500 followers) over the threshold: a celebrity, merged at read, as in the feed bench.
const env = { DATABASE_URL: url, REDIS_URL, JWT_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false',
  ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', FEED_STRATEGY: 'hybrid', FEED_CELEBRITY_THRESHOLD: '1000', CACHE_PREFIX: prefix };
const seeding = await spawnScript('src/cli/main.ts', ['seed', '--bulk', '--users', '5000', '--articles', '5000', '--top-followers', '2500', '--active', '0.2', '--sample', '500', '--out', seedFile], { env });
if ((await seeding.exited).code !== 0) throw new Error(seeding.output());
const tokens = (await loadSeed(seedFile)).users.map((u) => u.token);
const redis = new Redis(REDIS_URL);
const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]!.toFixed(2);
/** utime + stime of a process, in ms (clock ticks of 10 ms). */
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
async function session(tree: string) {
  // Every cache entry goes (values, tags, counters: `<prefix>:v2:*`); the timelines stay.
  for (let cursor = '0'; ; ) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:v2:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    if ((cursor = next) === '0') break;
  }
  process.env['SCALESTACK_CLI_ENTRY'] = join(tree, 'build/cli/main.js');
  const system = await spawnCli({ env });
  await system.waitReady('/readyz', 60_000);
  // One reader first, not counted: the process's first read loads the site-wide entries (the celebrity list and head).
  await (await fetch(`${system.url}/api/articles/feed?limit=20`, { headers: { authorization: `Token ${tokens[0]}` } })).arrayBuffer();
  const cpu0 = cpuMs(system.child.pid!);
  const lat: number[] = [];
  for (const token of tokens.slice(1)) {
    const t = performance.now();
    const res = await fetch(`${system.url}/api/articles/feed?limit=20`, { headers: { authorization: `Token ${token}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`feed ${res.status}`);
    lat.push(performance.now() - t);
  }
  const cpu = (cpuMs(system.child.pid!) - cpu0) / lat.length;
  await system.stop();
  return { lat: lat.sort((x, y) => x - y), cpu };
}
await session(trees[0]!); // builds every sample reader's timeline
const all: Record<string, number[]> = {};
for (let round = 0; round < rounds; round++) {
  for (const tree of round % 2 ? [...trees].reverse() : trees) {
    const { lat, cpu } = await session(tree);
    (all[tree] ??= []).push(...lat);
    console.log(`round ${round} ${tree}: n ${lat.length} p50 ${q(lat, 0.5)} p90 ${q(lat, 0.9)} p99 ${q(lat, 0.99)} mean ${(lat.reduce((s, x) => s + x, 0) / lat.length).toFixed(2)} ms; system CPU ${cpu.toFixed(2)} ms/read`);
  }
}
for (const [tree, lat] of Object.entries(all)) { lat.sort((x, y) => x - y); console.log(`all ${tree}: n ${lat.length} p50 ${q(lat, 0.5)} p90 ${q(lat, 0.9)} p99 ${q(lat, 0.99)} mean ${(lat.reduce((s, x) => s + x, 0) / lat.length).toFixed(2)}`); }
redis.disconnect();
await postgres.drop(url);
process.exit(0);
