/**
 * The catalog's reservation calls as the order saga makes them from another
 * process, over signed HTTP and over gRPC (INTERNAL_TRANSPORT, ADR 0038),
 * side by side in one run against one system process (Postgres) that serves
 * both: a product read, and reserve (each with a fresh id, one unit) — the
 * saga's first step, the one every checkout makes. Closed loops of
 * BENCH_CONNECTIONS callers; the two transports alternate, twice, so a drift
 * of the machine shows as a difference between rounds, not between
 * transports. The clients are the ones orders uses (http-catalog-client.ts,
 * grpc-catalog-client.ts), 16 calls in flight per replica for both.
 *
 * Settings (env): BENCH_DURATION (s per row, 10), BENCH_WARMUP (s, 2),
 * BENCH_CONNECTIONS (16), TEST_DATABASE_URL.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import type { CatalogClient } from '../src/contracts/catalog.js';
import { openDatabase } from '../src/platform/db/open-database.js';
import { createGrpcCatalogClient } from '../src/services/catalog/grpc-catalog-client.js';
import { createHttpCatalogClient } from '../src/services/catalog/http-catalog-client.js';
import { createApiClient } from '../src/testing/api-client.js';
import { createProduct, registerAdmin } from '../src/testing/catalog-fixtures.js';
import { spawnCli, type NodeProcess } from '../src/testing/cli-process.js';
import { dbTargets } from '../src/testing/db-targets.js';
import type { Benchmark } from './lib/benchmark.js';
import { closedLoop, type LoopResult } from './lib/closed-loop.js';
import { machine, type Report } from './lib/report.js';

const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const DURATION_S = num('BENCH_DURATION', 10);
const WARMUP_S = num('BENCH_WARMUP', 2);
const CALLERS = num('BENCH_CONNECTIONS', 16);
const SECRET = 'bench-internal-secret-'.padEnd(48, 'x');

const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

export const benchmark: Benchmark = {
  name: 'orders',
  description: "the saga's catalog calls from another process: reserve and product read over HTTP vs gRPC (INTERNAL_TRANSPORT), Postgres",
  async run(report: Report): Promise<boolean> {
    const target = (await dbTargets()).find((t) => t.name === 'postgres');
    if (!target || target.options.skip) throw new Error('needs Postgres (TEST_DATABASE_URL)');
    const url = (await target.create())!;
    let system: NodeProcess | undefined;
    const clients: Record<string, CatalogClient & { close(): Promise<void> }> = {};
    try {
      system = await spawnCli({
        env: {
          DATABASE_URL: url, INTERNAL_SECRET: SECRET, INTERNAL_TRANSPORT: 'grpc', LOG_LEVEL: 'warn',
          ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', RATE_LIMIT_ENABLED: 'false',
        },
      });
      await system.waitReady('/readyz', 120_000);
      const db = await openDatabase({ url, dataDir: 'memory://', poolMax: 2 });
      const api = createApiClient(system.url);
      const admin = await registerAdmin(api, db).finally(() => db.close());
      const product = await createProduct(api, admin, { stock: 1_000_000_000 });
      const endpoints = { urls: () => [system!.url], secret: SECRET };
      clients['http'] = createHttpCatalogClient(endpoints);
      clients['grpc'] = createGrpcCatalogClient(endpoints);

      report.text(`### orders — ${new Date().toISOString()}\n\nload before: \`${load()}\`; Postgres; one system process (catalog serving HTTP and gRPC), the clients in the bench's process; ${CALLERS} callers, ${DURATION_S} s a row after ${WARMUP_S} s of warm-up`);
      report.facts(machine());
      const calls = {
        'product read': (c: CatalogClient) => c.product(product.id),
        'reserve (1 unit, new id)': (c: CatalogClient) => c.reserve({ productId: product.id, quantity: 1, id: randomUUID() }),
      };
      const rows: (string | number)[][] = [];
      let valid = true;
      for (const round of [1, 2]) {
        for (const [call, run] of Object.entries(calls)) {
          for (const transport of ['http', 'grpc']) {
            const client = clients[transport]!;
            await closedLoop(CALLERS, WARMUP_S * 1000, () => run(client));
            const r: LoopResult = await closedLoop(CALLERS, DURATION_S * 1000, () => run(client));
            valid &&= r.errors === 0 && r.unfinished === 0;
            rows.push([round, call, transport, r.perSecond.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), r.errors, r.unfinished]);
          }
        }
      }
      report.table(['round', 'call', 'transport', 'calls/s', 'p50 (ms)', 'p99 (ms)', 'errors', 'unfinished'], rows);
      report.text(`load after: \`${load()}\``);
      return valid;
    } finally {
      for (const c of Object.values(clients)) await c.close();
      await system?.stop('SIGTERM', 20_000);
      await target.drop(url);
    }
  },
};
