/**
 * The load generator's own yardsticks, measured side by side in one run:
 * - a bare node:http hello world driven by `scalestack load` at its max rate
 *   and by autocannon (closed loop), alternating rounds so both see the same
 *   machine (the best round of each is compared: the max *achievable* rate);
 * - rate accuracy: `scalestack load` at a fixed rate, achieved vs target;
 * - the end of a run: a server that hangs for the last second of a 4 s run at
 *   500/s; every due request must count (unsent and unanswered as timeouts);
 * - the physical limits next to them: `redis-benchmark -q -n 100000 -t get,set`
 *   and `pgbench -S` on a scratch database created and dropped here.
 * Writes one markdown table to reports/bench.md (and the usual bench-loadgen.md).
 *
 * Settings (env): LOADGEN_ROUNDS (3), LOADGEN_ROUND_S (3), LOADGEN_CONNECTIONS (16),
 * LOADGEN_RATE (2000), LOADGEN_RATE_S (20), PGBENCH_S (10), TEST_DATABASE_URL.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ADMIN_DATABASE_URL } from '../src/testing/db-targets.js';
import { spawnScript } from '../src/testing/cli-process.js';
import { autocannonRun, openLoopRun } from '../src/loadgen/testing/peers.js';
import { runLoad } from '../src/loadgen/run.js';
import { parseStages } from '../src/loadgen/stages.js';
import { parseThreshold } from '../src/loadgen/thresholds.js';
import type { Benchmark } from './lib/benchmark.js';
import { machine, markdownTable, REPORTS_DIR, type Report } from './lib/report.js';

const run = promisify(execFile);
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const settings = {
  rounds: env('LOADGEN_ROUNDS', 3),
  roundSeconds: env('LOADGEN_ROUND_S', 3),
  connections: env('LOADGEN_CONNECTIONS', 16),
  rate: env('LOADGEN_RATE', 2000),
  rateSeconds: env('LOADGEN_RATE_S', 20),
  pgbenchSeconds: env('PGBENCH_S', 10),
};

type Row = [string, string, string, string, string, string];
const f = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

async function helloRows(rows: Row[]): Promise<boolean> {
  const server = await spawnScript('src/loadgen/testing/hello-server.ts', []);
  try {
    await server.waitReady('/', 30_000);
    const ours: Array<{ rps: number }> = [];
    const theirs: Array<{ rps: number; p50: number; p99: number }> = [];
    for (let i = 0; i < settings.rounds; i++) {
      // Alternate who goes first, so a slow moment of the shared machine does not always hit the same tool.
      const pair = [
        async () => theirs.push(await autocannonRun(server.url, settings.connections, settings.roundSeconds)),
        async () => {
          const r = await openLoopRun(server.url, 1_000_000, settings.roundSeconds, settings.connections);
          ours.push({ rps: r.summary.achievedRate });
        },
      ];
      if (i % 2) pair.reverse();
      for (const step of pair) await step();
    }
    const best = <T extends { rps: number }>(xs: T[]) => xs.reduce((a, b) => (b.rps > a.rps ? b : a));
    const [o, t] = [best(ours), best(theirs)];
    const ratio = o.rps / t.rps;
    const c = settings.connections;
    rows.push(['node:http hello', `autocannon, ${c} conns, best of ${settings.rounds}×${settings.roundSeconds}s`, f(t.rps), f(t.p50, 2), f(t.p99, 2), `rounds: ${theirs.map((x) => f(x.rps)).join(', ')}`]);
    rows.push(['node:http hello', `scalestack load max rate, ${c} conns, best of ${settings.rounds}`, f(o.rps), '-', '-', `${f(100 * ratio)}% of autocannon (goal ≥ 80%); latency n/a: at an impossible rate it is backlog wait; rounds: ${ours.map((x) => f(x.rps)).join(', ')}`]);
    const fixed = await openLoopRun(server.url, settings.rate, settings.rateSeconds, settings.connections);
    const off = (100 * Math.abs(fixed.summary.achievedRate - settings.rate)) / settings.rate;
    const late = fixed.summary.sendLateness!;
    rows.push(['node:http hello', `scalestack load at ${settings.rate}/s for ${settings.rateSeconds}s`, f(fixed.summary.achievedRate, 1), f(fixed.summary.latency.p50, 2), f(fixed.summary.latency.p99, 2), `${off.toFixed(2)}% off target (goal ≤ 2%); sent after their due time: p99 ${f(late.p99, 2)} ms, max ${f(late.max, 2)} ms (the generator's own delay, in every latency)`]);
    return ratio >= 0.8 && off <= 2 && fixed.summary.errors === 0;
  } finally {
    await server.stop();
  }
}

/** The end of a run counted: the stall server hangs from 3 s (after the warm-up) to 4.5 s; the run is 4 s at 500/s on 10 connections. */
async function endStallRow(rows: Row[]): Promise<boolean> {
  const server = await spawnScript('src/loadgen/testing/stall-server.ts', [], { env: { RESPONSE_MS: '2', STALL_MS: '1500', PERIOD_MS: '4500', CLOCK: 'first-request' } });
  try {
    await server.waitReady('/readyz', 30_000);
    const r = await runLoad({
      scenario: 'get', target: server.url, stages: parseStages(['steady:4s:500']), arrival: 'constant', connections: 10, timeoutMs: 10_000,
      thresholds: [parseThreshold('p99<100ms')], seedFile: '', path: '/', randomSeed: 1, live: null,
    });
    const s = r.summary;
    const held = r.thresholds[0]!.ok;
    rows.push(['stall server, hangs the last 1 s', 'scalestack load 500/s × 4 s, 10 conns', f(s.achievedRate, 1), f(s.latency.p50, 2), f(s.latency.p99, 2),
      `due ${s.due}, sent ${s.sent}, completed ${s.completed}, timed out ${s.timedOut}; p99<100ms ${held ? 'held (WRONG)' : 'broken (right)'}`]);
    return !held && s.completed + s.timedOut === s.due;
  } finally {
    await server.stop();
  }
}

async function redisRows(rows: Row[]): Promise<void> {
  try {
    const { stdout } = await run('redis-benchmark', ['-h', '127.0.0.1', '-p', '6379', '-q', '-n', '100000', '-t', 'get,set'], { timeout: 120_000 });
    // "SET: 98039.22 requests per second, p50=0.255 msec" (older versions print no p50).
    for (const line of stdout.split(/\r|\n/)) {
      const m = /^(GET|SET): ([\d.]+) requests per second(?:, p50=([\d.]+) msec)?/.exec(line.trim());
      if (m) rows.push(['Redis 127.0.0.1:6379', `redis-benchmark -q -n 100000 -t ${m[1]!.toLowerCase()}`, f(Number(m[2])), m[3] ?? '-', '-', '50 clients (default)']);
    }
  } catch (err) {
    rows.push(['Redis 127.0.0.1:6379', 'redis-benchmark', '-', '-', '-', `skipped: ${(err as Error).message.split('\n')[0]}`]);
  }
}

async function pgbenchRows(rows: Row[]): Promise<void> {
  const admin = new URL(ADMIN_DATABASE_URL);
  const db = `pgbench_scratch_${randomBytes(4).toString('hex')}`;
  const conn = ['-h', admin.hostname, '-p', admin.port || '5432', '-U', decodeURIComponent(admin.username || 'postgres')];
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL, connectionTimeoutMillis: 3000 });
  let created = false;
  try {
    await client.connect();
    await client.query(`create database ${db}`);
    created = true;
    await run('pgbench', ['-i', '-q', '-s', '1', ...conn, db], { timeout: 120_000 });
    const { stdout } = await run('pgbench', ['-S', '-c', '4', '-j', '2', '-T', String(settings.pgbenchSeconds), ...conn, db], { timeout: 120_000 });
    const tps = /tps = ([\d.]+)/.exec(stdout)?.[1];
    const latency = /latency average = ([\d.]+) ms/.exec(stdout)?.[1];
    rows.push(['Postgres 127.0.0.1:5432', `pgbench -S -c 4 -j 2 -T ${settings.pgbenchSeconds} (scale 1)`, f(Number(tps)), '-', '-', `select-only tps; latency average ${latency ?? '-'} ms`]);
  } catch (err) {
    rows.push(['Postgres 127.0.0.1:5432', 'pgbench -S', '-', '-', '-', `skipped: ${(err as Error).message.split('\n')[0]}`]);
  } finally {
    if (created) await client.query(`drop database if exists ${db}`).catch(() => {});
    await client.end().catch(() => {});
  }
}

export const benchmark: Benchmark = {
  name: 'loadgen',
  description: 'scalestack load vs autocannon on node:http hello world, rate accuracy, a stall at the end of a run, redis-benchmark and pgbench -S baselines',
  async run(report: Report) {
    report.text(`## loadgen — ${new Date().toISOString()}`);
    report.facts({ ...machine(), note: 'one shared machine: load tool, server and baselines compete for the same cores; compare rows of one run only' });
    const rows: Row[] = [];
    const valid = await helloRows(rows);
    const endCounted = await endStallRow(rows);
    await redisRows(rows);
    await pgbenchRows(rows);
    const headers = ['target', 'tool', 'req/s', 'p50 ms', 'p99 ms', 'notes'];
    report.table(headers, rows);
    await mkdir(REPORTS_DIR, { recursive: true });
    await writeFile(join(REPORTS_DIR, 'bench.md'), `# Physical-limit baselines (${new Date().toISOString()})\n\n${markdownTable(headers, rows)}\n`);
    return valid && endCounted;
  },
};
