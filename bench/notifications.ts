/**
 * Live push and webhooks of the notifications service, on one system
 * process (`scalestack start`) against a fresh Postgres database.
 *
 * 1. SSE: BENCH_NOTIF_USERS users (100) each open BENCH_NOTIF_PER_USER
 *    streams (50): 5,000 connections on the one process. Memory per
 *    connection = the process's RSS growth / connections. Then a broadcast:
 *    one actor follows every user at once, so every connection gets one
 *    notification; delivery latency per connection, from the follow request
 *    sent (action to screen: bus, consumer, database, pub/sub, fan-out) and
 *    from the notification's createdAt (store to screen).
 * 2. Webhooks: every user registers BENCH_NOTIF_HOOKS endpoints (20, the
 *    most allowed) on a local receiver answering 200; a second broadcast
 *    makes users × hooks deliveries; throughput = deliveries / time until the
 *    last arrived, at WEBHOOK_CONCURRENCY (BENCH_NOTIF_WEBHOOK_CONCURRENCY, 32).
 *
 * Needs `ulimit -n` above twice the connections (client and server ends in
 * this machine). Settings (env): the three above, TEST_DATABASE_URL.
 */
import { execSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { spawnCli, type NodeProcess } from '../src/testing/cli-process.js';
import { createApiClient, type ApiClient } from '../src/testing/api-client.js';
import { dbTargets } from '../src/testing/db-targets.js';
import { follow, registerUser, type TestUser } from '../src/testing/fixtures.js';
import { startReceiver } from '../src/services/notifications/testing/webhook-receiver.js';
import type { Benchmark } from './lib/benchmark.js';
import { forEachBounded } from './lib/pool.js';
import { progress, type Report } from './lib/report.js';

const USERS = Number(process.env['BENCH_NOTIF_USERS'] ?? 100);
const PER_USER = Number(process.env['BENCH_NOTIF_PER_USER'] ?? 50);
const HOOKS = Number(process.env['BENCH_NOTIF_HOOKS'] ?? 20);
const ADMIN_TOKEN = 'bench-notifications-admin-token';
const WEBHOOK_CONCURRENCY = Number(process.env['BENCH_NOTIF_WEBHOOK_CONCURRENCY'] ?? 32);

/** One SSE connection on its own socket, noting when each notification frame arrived. */
interface Stream {
  req: ClientRequest;
  arrivals: { at: number; wall: number; createdAt: string }[];
}

function openStream(port: number, token: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const stream: Stream = { req: undefined as unknown as ClientRequest, arrivals: [] };
    stream.req = httpRequest({ host: '127.0.0.1', port, path: `/api/notifications/stream?token=${encodeURIComponent(token)}`, agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!frame.includes('event: notification')) continue;
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          const createdAt = data ? (JSON.parse(data.slice(6)) as { createdAt: string }).createdAt : '';
          stream.arrivals.push({ at: performance.now(), wall: Date.now(), createdAt });
        }
      });
      res.on('error', () => {});
      resolve(stream);
    });
    stream.req.on('error', reject);
    stream.req.end();
  });
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const rssMb = async (pid: number): Promise<number> => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const load = (): string => execSync('uptime').toString().trim();

async function waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      process.stderr.write(`  timed out waiting for ${what}\n`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** One actor follows every user at once; resolves with when the first request went out. */
async function broadcast(api: ApiClient, users: TestUser[]): Promise<number> {
  const actor = await registerUser(api);
  const sentAt = performance.now();
  await Promise.all(users.map((u) => follow(api, actor.token, u.username)));
  return sentAt;
}

export const benchmark: Benchmark = {
  name: 'notifications',
  description: `${USERS * PER_USER} SSE connections on one process (memory, broadcast delivery p99); webhook delivery throughput`,
  async run(report: Report): Promise<boolean> {
    const target = (await dbTargets()).find((t) => t.name === 'postgres');
    if (!target || target.options.skip) throw new Error('needs Postgres (TEST_DATABASE_URL)');
    const ulimit = execSync('ulimit -n', { shell: '/bin/bash' }).toString().trim();
    const connections = USERS * PER_USER;
    if (ulimit !== 'unlimited' && Number(ulimit) < connections * 2 + 1000) throw new Error(`ulimit -n is ${ulimit}: ${connections} connections need both ends here (raise it: ulimit -n 65536)`);
    const url = await target.create();
    const receiver = await startReceiver('127.0.0.1', 0, (_hook, res) => res.writeHead(200).end());
    let system: NodeProcess | undefined;
    const streams: Stream[] = [];
    try {
      system = await spawnCli({
        env: {
          ADMIN_TOKEN, DATABASE_URL: url, LOG_LEVEL: 'warn', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', RATE_LIMIT_ENABLED: 'false',
          WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32', WEBHOOK_CONCURRENCY: String(WEBHOOK_CONCURRENCY), WEBHOOK_POLL_MS: '200',
          // Heartbeats would add 5,000 writes per interval to the figures; the default (15 s) rarely falls in a run.
          NOTIFICATIONS_HEARTBEAT_MS: '60000',
        },
      });
      await system.waitReady('/readyz', 120_000);
      const api = createApiClient(system.url);
      const users: TestUser[] = [];
      await forEachBounded(USERS, 8, async () => void users.push(await registerUser(api)));
      report.text(`### notifications — ${new Date().toISOString()}\n\nload before: \`${load()}\`; ulimit -n ${ulimit}; Postgres; one system process`);

      // 1. connections and memory
      const rssBefore = await rssMb(system.child.pid!);
      const connecting = progress('SSE connections', connections);
      await forEachBounded(connections, 64, async (i) => {
        streams.push(await openStream(system!.port, users[i % USERS]!.token));
        connecting.tick();
      });
      connecting.done();
      await new Promise((r) => setTimeout(r, 2000));
      const rssAfter = await rssMb(system.child.pid!);
      const metrics = await (await fetch(`${system.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text().catch(() => '');
      const gauge = /notifications_live_connections\{transport="sse"\} (\d+)/.exec(metrics)?.[1] ?? '?';

      // 2. one broadcast
      const sentAt = await broadcast(api, users);
      const arrived = await waitUntil('every stream to get the broadcast', () => streams.every((s) => s.arrivals.length >= 1), 60_000);
      const fromAction = streams.flatMap((s) => s.arrivals.slice(0, 1).map((a) => a.at - sentAt)).sort((a, b) => a - b);
      const fromStore = streams.flatMap((s) => s.arrivals.slice(0, 1).map((a) => a.wall - Date.parse(a.createdAt))).sort((a, b) => a - b);
      report.table(['connections', 'server gauge', 'RSS before (MB)', 'RSS after (MB)', 'KB per connection', 'received', 'p50 from follow (ms)', 'p99 from follow (ms)', 'max (ms)', 'p50 from store (ms)', 'p99 from store (ms)'], [[
        connections, gauge, rssBefore.toFixed(0), rssAfter.toFixed(0), (((rssAfter - rssBefore) * 1024) / connections).toFixed(1), fromAction.length,
        quantile(fromAction, 0.5).toFixed(0), quantile(fromAction, 0.99).toFixed(0), (fromAction.at(-1) ?? NaN).toFixed(0),
        quantile(fromStore, 0.5).toFixed(0), quantile(fromStore, 0.99).toFixed(0),
      ]]);
      for (const s of streams) s.req.destroy();

      // 3. webhook throughput
      await forEachBounded(USERS, 8, async (n) => {
        const u = users[n]!;
        for (let i = 0; i < HOOKS; i++) {
          const res = await api.post('/api/webhooks', { webhook: { url: receiver.url(`/hook/${u.username}/${i}`), events: ['follow'] } }, { token: u.token });
          if (res.status !== 201) throw new Error(`webhook registration answered ${res.status}: ${JSON.stringify(res.body)}`);
        }
      });
      const deliveries = USERS * HOOKS;
      const t0 = await broadcast(api, users);
      const delivered = await waitUntil('every webhook delivery', () => receiver.hits >= deliveries, 300_000);
      const seconds = (performance.now() - t0) / 1000;
      report.table(['endpoints', 'deliveries', 'received', 'WEBHOOK_CONCURRENCY', 'seconds (from the follows)', 'deliveries/s'], [[
        deliveries, deliveries, receiver.hits, WEBHOOK_CONCURRENCY, seconds.toFixed(1), (receiver.hits / seconds).toFixed(0),
      ]]);
      report.text(`load after: \`${load()}\``);
      return arrived && delivered && receiver.hits === deliveries;
    } finally {
      for (const s of streams) s.req.destroy();
      await system?.stop('SIGTERM', 20_000);
      await receiver.close();
      await target.drop(url);
    }
  },
};
