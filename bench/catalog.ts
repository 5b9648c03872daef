/**
 * The catalog's three read paths side by side in one run (issue 15):
 *  1. a product by id (`GET /api/products/:id`) with the cache on and off
 *     (CACHE_ENABLED, in-process L1 as configured by default), and on 3 shards;
 *  2. search (`GET /api/products?q=...`, facets included in every answer) over
 *     BENCH_CATALOG_PRODUCTS products (100,000) on one database and on 3
 *     shards (CATALOG_SHARDS, scatter-gather), the cache off so every request
 *     searches; one row per kind of query (words, prefixes, typos, filters);
 *  3. an image (`GET /api/images/:sha256/w800.webp`, ETag + immutable) from
 *     the file-system blob store next to nginx serving the same file from the
 *     same disk, and both answering a revalidation (If-None-Match) with 304.
 *
 * Each system is a child process (`scalestack start`) on real Postgres: one
 * home database and 3 shard databases created here and dropped at the end.
 * Both layouts hold the same catalog, written by `scalestack seed --catalog`'s
 * code in this process (seedCatalog). Load: the closed loop of bench/lib
 * (BENCH_CONNECTIONS callers, each sending its next request when the last
 * answered, over keep-alive connections with the load generator's sender);
 * every request started is counted as ok, error (a non-200/304 or a socket
 * error or timeout), late or unfinished. Before each row every id, query or
 * URL it samples is requested once (warm-up), so a cached row has no misses.
 *
 * Settings (env): BENCH_CATALOG_QUICK=1 (a smoke run: 2,000 products, 2 s rows,
 * 500 ids, 4 callers), BENCH_CATALOG_PRODUCTS (100000), BENCH_CATALOG_IDS (ids
 * sampled by the by-id rows, 10000), BENCH_DURATION (s per row, 8),
 * BENCH_CONNECTIONS (callers, 8), BENCH_SEARCH_CONNECTIONS (callers of the
 * search rows, 2: one per core), BENCH_SEARCH_DURATION (s per search row, 15),
 * TEST_DATABASE_URL (admin URL of the server).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Pool } from 'undici';
import { ADMIN_DATABASE_URL } from '../src/testing/db-targets.js';
import { createShardDatabases } from '../src/platform/sharding/testing/shard-databases.js';
import { freePort, spawnCli, type NodeProcess } from '../src/testing/cli-process.js';
import { seedCatalog } from '../src/cli/catalog-seed.js';
import { openDatabase } from '../src/platform/db/open-database.js';
import { grantAdminByEmail } from '../src/services/identity/admin.js';
import { send } from '../src/loadgen/send.js';
import { IMMUTABLE } from '../src/services/catalog/domain/images.js';
import type { Benchmark } from './lib/benchmark.js';
import { closedLoop, type LoopResult } from './lib/closed-loop.js';
import { forEachBounded, prng } from './lib/pool.js';
import { machine, type Report } from './lib/report.js';
import { rssMb, totalRssMb } from './lib/rss.js';
import { nginxVersion, startStaticNginx, type RunningNginx } from './lib/nginx.js';

const QUICK = process.env['BENCH_CATALOG_QUICK'] === '1';
const num = (name: string, full: number, quick: number) => Number(process.env[name] || (QUICK ? quick : full));
const settings = {
  products: num('BENCH_CATALOG_PRODUCTS', 100_000, 2_000),
  ids: num('BENCH_CATALOG_IDS', 10_000, 500),
  durationMs: num('BENCH_DURATION', 8, 2) * 1000,
  callers: num('BENCH_CONNECTIONS', 8, 4),
  /** Search rows: one caller per core, so p50/p99 say what one search costs rather than how long 8 wait for 2 cores. */
  searchCallers: num('BENCH_SEARCH_CONNECTIONS', 2, 2),
  searchDurationMs: num('BENCH_SEARCH_DURATION', 15, 2) * 1000,
};
const QUIET = { LOG_LEVEL: 'warn', LOG_PRETTY: 'false', RATE_LIMIT_ENABLED: 'false' };
const SEED = 1;

/** The searches of each kind, over the generator's vocabulary (src/loadgen/seed/catalog-generator.ts). */
const SEARCHES: Record<string, string[]> = {
  'words': ['headphones', 'wireless earbuds', 'ergonomic chair', 'sleeping bag', 'coffee grinder', 'running shoes', 'floor lamp', 'yoga mat', 'laptop', 'tent'],
  'prefixes (as you type)': ['headph', 'kett', 'back', 'sof', 'blend', 'dumbb', 'turnt', 'monit', 'ten', 'bookshe'],
  'typos (pg_trgm)': ['hedphones', 'kettel', 'blendr', 'backpak', 'labtop', 'soffa', 'turntabel', 'keybord', 'toastr', 'helmit'],
  'filters, no text (listing)': [
    'category=audio', 'category=kitchen&sort=price_asc', 'minPrice=5000&maxPrice=20000', 'inStock=true&sort=price_desc', 'category=outdoor&inStock=true',
    'sort=name', 'category=sports&minPrice=1000', 'maxPrice=3000', 'category=furniture&sort=newest', 'category=computers&inStock=false',
  ],
};
const searchPaths = (kind: string) =>
  SEARCHES[kind]!.map((s) => `/api/products?${kind.startsWith('filters') ? s : `q=${encodeURIComponent(s)}`}&limit=20`);

interface Row extends LoopResult {
  part: string;
  setup: string;
  request: string;
  callers: number;
  rssMb: number | undefined;
  /** The first failure, for the report. */
  failure: string | null;
}

interface Target {
  url: string;
  /** Resident memory of whatever serves it, MB. */
  rss(): Promise<number | undefined>;
}

/**
 * GET `paths[i % paths.length]` in a closed loop (expecting `status`), after one request to every path
 * (concurrently, `callers` at a time; a failure there fails the row). undici pool, keep-alive,
 * one connection per caller, the load generator's sender (body read and dropped).
 */
async function row(
  part: string,
  setup: string,
  request: string,
  target: Target,
  paths: string[],
  options: { headers?: Record<string, string>; status?: number; callers?: number; durationMs?: number } = {},
): Promise<Row> {
  const status = options.status ?? 200;
  const callers = options.callers ?? settings.callers;
  const durationMs = options.durationMs ?? settings.durationMs;
  const pool = new Pool(target.url, { connections: callers, pipelining: 1, headersTimeout: 10_000, bodyTimeout: 10_000 });
  let failure: string | null = null;
  const get = (path: string) =>
    new Promise<void>((resolve, reject) =>
      send(pool, { type: 'get', method: 'GET', path, ...(options.headers ? { headers: options.headers } : {}) }, path, (got, error, sample) => {
        if (got === status && error === null) return resolve();
        const why = `${error ?? `HTTP ${got}`} on ${path}${sample ? `: ${sample.slice(0, 200)}` : ''}`;
        failure ??= why;
        reject(new Error(why));
      }),
    );
  try {
    process.stderr.write(`  ${setup}: ${request}: warming ${paths.length} path(s), then ${durationMs / 1000} s, ${callers} callers\n`);
    await forEachBounded(paths.length, callers, (i) => get(paths[i]!));
    const result = await closedLoop(callers, durationMs, (i) => get(paths[i % paths.length]!));
    const rss = await target.rss();
    process.stderr.write(`    ${Math.round(result.perSecond)}/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, errors ${result.errors}, unfinished ${result.unfinished}\n`);
    return { part, setup, request, callers, ...result, rssMb: rss, failure };
  } finally {
    await pool.destroy();
  }
}

async function json<T>(base: string, method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Token ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** A 1600×1200 photo-like JPEG (smooth gradients and bands; about what a product shot weighs). */
function productPhoto(): Promise<Buffer> {
  const width = 1600;
  const height = 1200;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      pixels[o] = 128 + 100 * Math.sin(x / 90 + y / 300);
      pixels[o + 1] = 128 + 100 * Math.sin(y / 70);
      pixels[o + 2] = 128 + 100 * Math.cos((x + y) / 160);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}

/** An admin (grant-admin's code on the home database), an image uploaded on a seeded product; its sha256 and URL path. */
async function uploadImage(base: string, databaseUrl: string, productId: number): Promise<{ sha256: string; path: string; originalBytes: number }> {
  const email = `bench-admin-${randomBytes(3).toString('hex')}@example.com`;
  const password = 'bench-password-1';
  await json(base, 'POST', '/api/users', { user: { username: email.split('@')[0], email, password } });
  const db = await openDatabase({ url: databaseUrl, dataDir: 'memory://', poolMax: 1 });
  try {
    if (!(await grantAdminByEmail(db, email))) throw new Error('grant-admin found no user');
  } finally {
    await db.close();
  }
  const { user } = await json<{ user: { token: string } }>(base, 'POST', '/api/users/login', { user: { email, password } });
  const photo = await productPhoto();
  const form = new FormData();
  form.append('image', new Blob([photo], { type: 'image/jpeg' }), 'photo.jpg');
  const res = await fetch(`${base}/api/products/${productId}/images`, { method: 'POST', headers: { authorization: `Token ${user.token}` }, body: form });
  const body = (await res.json()) as { product: { images: { url: string }[] } };
  if (res.status !== 201) throw new Error(`image upload: ${res.status} ${JSON.stringify(body)}`);
  const path = body.product.images.at(-1)!.url;
  return { sha256: path.split('/')[3]!, path, originalBytes: photo.length };
}

/** Spot checks before measuring: a benchmark of a wrong answer measures nothing. */
async function checkCatalog(base: string, layout: string, ids: number[]): Promise<string> {
  const listing = await json<{ productsCount: number }>(base, 'GET', '/api/products?limit=1');
  if (listing.productsCount !== settings.products) throw new Error(`${layout}: productsCount ${listing.productsCount}, seeded ${settings.products}`);
  const typo = await json<{ products: { name: string }[] }>(base, 'GET', '/api/products?q=hedphones&limit=5');
  if (typo.products.length === 0 || !typo.products.every((p) => /Headphones/.test(p.name))) throw new Error(`${layout}: "hedphones" found ${JSON.stringify(typo.products.map((p) => p.name))}`);
  const last = await json<{ product: { id: number } }>(base, 'GET', `/api/products/${ids.at(-1)}`);
  if (last.product.id !== ids.at(-1)) throw new Error(`${layout}: product ${ids.at(-1)} answered as ${last.product.id}`);
  return `${layout}: productsCount ${listing.productsCount}, "hedphones" → ${typo.products[0]!.name}`;
}

const counts = (r: Row) => [r.requests, r.ok, r.errors, r.late, r.unfinished];
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');

export const benchmark: Benchmark = {
  name: 'catalog',
  description: 'product by id (cache on/off), search p50/p99 over 100k products (one database vs 3 shards), image serve vs nginx',
  async run(report: Report) {
    const nginx = nginxVersion();
    report.text(`## catalog — ${new Date().toISOString()}${QUICK ? ' (quick: BENCH_CATALOG_QUICK=1)' : ''}`);
    report.facts({
      ...machine(),
      'load average at start (1, 5, 15 min)': loadavg().map((l) => l.toFixed(1)).join(', '),
      products: settings.products,
      'ids sampled by the by-id rows': Math.min(settings.ids, settings.products),
      load: `closed loop, ${settings.callers} callers (one keep-alive connection each), ${settings.durationMs / 1000} s per row; search rows ${settings.searchCallers} callers, ${settings.searchDurationMs / 1000} s; every sampled path requested once before its row`,
      nginx: nginx ?? 'not installed (apt-get install -y nginx-light): its rows are skipped',
    });

    // Four fresh databases: the home one (the one-database catalog, and every other service's tables) and 3 shards.
    let databases: Awaited<ReturnType<typeof createShardDatabases>>;
    try {
      databases = await createShardDatabases(4);
    } catch (err) {
      report.text(`**skipped:** PostgreSQL not reachable at ${ADMIN_DATABASE_URL} (${(err as Error).message})`);
      return false;
    }
    const [home, ...shardUrls] = databases.urls as [string, ...string[]];
    const shards = shardUrls.join(',');
    const dir = await mkdtemp(join(tmpdir(), 'catalog-bench-'));
    // nginx's worker runs as another user (nobody) when started by root: it must be able to read the blobs.
    await chmod(dir, 0o755);
    const env = { ...QUIET, DATABASE_URL: home, DATA_DIR: join(dir, 'data'), JWT_SECRET: randomBytes(32).toString('base64url') };
    const rows: Row[] = [];
    const running: { system?: NodeProcess; nginx?: RunningNginx } = {};
    const start = async (extra: Record<string, string>): Promise<NodeProcess> => {
      const system = await spawnCli({ env: { ...env, ...extra } });
      running.system = system;
      await system.waitReady('/readyz', 180_000);
      return system;
    };
    const stop = async () => {
      await running.system?.stop('SIGTERM', 30_000);
      delete running.system;
    };
    const searchLoad = { callers: settings.searchCallers, durationMs: settings.searchDurationMs };
    const of = (system: NodeProcess): Target => ({ url: system.url, rss: () => rssMb(system.child.pid) });
    try {
      // The same catalog in both layouts, by the seed command's own code.
      const seeded: Record<string, { ids: number[]; seconds: number }> = {};
      for (const [layout, catalogShards] of [['one database', undefined], ['3 shards', shards]] as const) {
        const t0 = performance.now();
        const ids = await seedCatalog({ databaseUrl: home, dataDir: env.DATA_DIR, catalogShards, count: settings.products, seed: SEED });
        seeded[layout] = { ids, seconds: (performance.now() - t0) / 1000 };
      }
      // The by-id rows read a fixed pseudo-random sample of the catalog, in a fixed shuffled order.
      const random = prng(7);
      const sample = (ids: number[]) => {
        const picked = [...ids];
        for (let i = picked.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [picked[i], picked[j]] = [picked[j]!, picked[i]!];
        }
        return picked.slice(0, settings.ids).map((id) => `/api/products/${id}`);
      };
      const singleIds = sample(seeded['one database']!.ids);
      const shardedIds = sample(seeded['3 shards']!.ids);
      report.facts({
        'seeded (seedCatalog, as `scalestack seed --catalog`)': Object.entries(seeded).map(([l, s]) => `${l} ${s.seconds.toFixed(1)} s`).join('; '),
        databases: `PostgreSQL at ${new URL(ADMIN_DATABASE_URL).host}: home ${new URL(home).pathname.slice(1)} (the one-database catalog, and every other service's tables), 3 shards ${shardUrls.map((u) => new URL(u).pathname.slice(1)).join(', ')}`,
      });

      // 1 + 3. One database, cache on: by id; then the image, from the blob store and from nginx, in turns.
      let system = await start({ CACHE_ENABLED: 'true' });
      const facts: Record<string, string> = { 'sanity (one database)': await checkCatalog(system.url, 'one database', seeded['one database']!.ids) };
      rows.push(await row('product by id', 'one database, cache on (L1)', 'GET /api/products/:id', of(system), singleIds));
      const image = await uploadImage(system.url, home, seeded['one database']!.ids[0]!);
      const file = join(env.DATA_DIR, 'blobs', 'data', 'images', image.sha256, 'w800.webp');
      const bytes = await readFile(file);
      const ours = await fetch(system.url + image.path);
      const ourBytes = Buffer.from(await ours.arrayBuffer());
      if (!ourBytes.equals(bytes) || ours.headers.get('cache-control') !== IMMUTABLE) throw new Error('the image route does not answer the stored bytes with immutable caching');
      const ourEtag = ours.headers.get('etag')!;
      facts['image'] = `a ${image.originalBytes.toLocaleString('en')}-byte JPEG uploaded; w800.webp is ${bytes.length.toLocaleString('en')} bytes (${file.slice(dir.length + 1)})`;
      const imageRows: Array<() => Promise<Row>> = [
        () => row('image', 'scalestack (fs blob store)', 'GET w800.webp → 200', of(system), [image.path]),
        () => row('image', 'scalestack (fs blob store)', 'If-None-Match → 304', of(system), [image.path], { headers: { 'if-none-match': ourEtag }, status: 304 }),
      ];
      if (nginx) {
        const served = await startStaticNginx(join(dir, 'nginx'), await freePort(), '/api/images/', join(env.DATA_DIR, 'blobs', 'data', 'images'), IMMUTABLE);
        running.nginx = served;
        const theirs = await fetch(served.url + image.path);
        if (!Buffer.from(await theirs.arrayBuffer()).equals(bytes)) throw new Error(`nginx does not serve the same bytes: ${theirs.status} (see ${join(dir, 'nginx', 'error.log')})`);
        const theirEtag = theirs.headers.get('etag')!;
        const target: Target = { url: served.url, rss: () => totalRssMb(served.pids()) };
        imageRows.splice(1, 0, () => row('image', `${nginx} (static, sendfile, 1 worker)`, 'GET w800.webp → 200', target, [image.path]));
        imageRows.push(() => row('image', `${nginx} (static, sendfile, 1 worker)`, 'If-None-Match → 304', target, [image.path], { headers: { 'if-none-match': theirEtag }, status: 304 }));
      }
      for (const measure of imageRows) rows.push(await measure());
      await running.nginx?.stop();
      delete running.nginx;
      await stop();

      // 1 + 2. One database, cache off: by id, then search.
      system = await start({ CACHE_ENABLED: 'false' });
      rows.push(await row('product by id', 'one database, cache off', 'GET /api/products/:id', of(system), singleIds));
      for (const kind of Object.keys(SEARCHES)) rows.push(await row('search', 'one database, cache off', kind, of(system), searchPaths(kind), searchLoad));
      await stop();

      // 2. 3 shards, cache off: search, then by id.
      system = await start({ CACHE_ENABLED: 'false', CATALOG_SHARDS: shards });
      facts['sanity (3 shards)'] = await checkCatalog(system.url, '3 shards', seeded['3 shards']!.ids);
      for (const kind of Object.keys(SEARCHES)) rows.push(await row('search', '3 shards, cache off', kind, of(system), searchPaths(kind), searchLoad));
      rows.push(await row('product by id', '3 shards, cache off', 'GET /api/products/:id', of(system), shardedIds));
      await stop();
      report.facts(facts);
    } catch (err) {
      const system = running.system;
      const exit = system?.hasExited() ? await system.exited : undefined;
      report.text(
        `**failed:** ${(err as Error).stack ?? String(err)}` +
          (exit ? `\n\nthe system had exited: code ${exit.code}, signal ${exit.signal}` : '') +
          `\n\n\`\`\`\n${system?.output().slice(-3000) ?? ''}\n\`\`\``,
      );
      return false;
    } finally {
      await running.nginx?.stop();
      await running.system?.stop('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      await databases.drop().catch((err: unknown) => process.stderr.write(`dropping the bench databases failed: ${String(err)}\n`));
    }

    report.table(
      ['part', 'setup', 'request', 'callers', 'requests', 'ok', 'errors', 'late', 'unfinished', 'req/s', 'p50 ms', 'p99 ms', 'RSS MB'],
      rows.map((r) => [r.part, r.setup, r.request, r.callers, ...counts(r), r.perSecond < 10 ? r.perSecond.toFixed(1) : Math.round(r.perSecond), ms(r.p50), ms(r.p99), r.rssMb ?? '-']),
    );
    report.text(
      `load average at the end (1, 5, 15 min): ${loadavg().map((l) => l.toFixed(1)).join(', ')}. req/s counts answers within the row; p50/p99 are over every answer, late ones included. ` +
        'RSS is the serving process right after its row (nginx: master + worker). Everything (load, server, Postgres) shares this machine, so read ratios within the run.',
    );
    for (const r of rows.filter((x) => x.failure)) report.text(`**failure** ${r.setup} ${r.request}: ${r.failure}`);
    return rows.every((r) => r.errors === 0 && r.unfinished === 0 && r.ok > 0);
  },
};
