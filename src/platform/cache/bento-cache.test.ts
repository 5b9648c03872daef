import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { createLogger } from '../log/logger.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { AppError } from '../errors/app-error.js';
import { errors } from '../errors/catalog.js';
import { skipUnlessAvailable } from '../../testing/services-required.js';
import { redisUnavailable, TEST_REDIS_URL as REDIS_URL } from '../../testing/redis-probe.js';
import type { Cache } from './cache.js';
import { openCache } from './open-cache.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function collapsed(metrics: Metrics): Promise<number> {
  const metric = await metrics.registry.getSingleMetric('cache_stampede_collapsed_total')!.get();
  return metric.values.filter((v) => v.labels['cache'] === 'article').reduce((sum, v) => sum + v.value, 0);
}

/**
 * What Redis ran for a cache of its own (a fresh prefix) while `use` ran, in the order it ran them, as MONITOR
 * reports them: each command's name, its arguments and the client connection it came from.
 */
async function commandsOfOwnCache(redisUrl: string, use: (cache: Cache) => Promise<unknown>, prefix = `test-${randomBytes(4).toString('hex')}`) {
  const cache = await openCache(loadConfig({}, { REDIS_URL: redisUrl, CACHE_PREFIX: prefix }), createMetrics(), createLogger({ level: 'silent', pretty: false }));
  const observer = new Redis(redisUrl);
  const monitor = await observer.monitor();
  const seen: { command: string; args: string[]; source: string }[] = [];
  monitor.on('monitor', (_time: string, [command = '', ...args]: string[], source: string) => seen.push({ command: command.toLowerCase(), args, source }));
  try {
    await use(cache);
    // MONITOR reports asynchronously: everything the cache sent before this ECHO has been seen once it is.
    const sentinel = `sentinel-${prefix}`;
    await observer.echo(sentinel);
    while (!seen.some(({ args }) => args.includes(sentinel))) await sleep(10);
    return seen.filter(({ args }) => args.some((a) => a.startsWith(`${prefix}:`)));
  } finally {
    monitor.disconnect();
    observer.disconnect();
    await cache.close();
  }
}

const tiers = [
  { name: 'L1 only (embedded)', redis: undefined, options: {} },
  { name: 'L1 + L2 Redis + bus', redis: REDIS_URL, options: skipUnlessAvailable(await redisUnavailable()) },
];

for (const tier of tiers) {
  describe(`cache: ${tier.name}`, tier.options, () => {
    let metrics: Metrics;
    let cache: Cache;
    const open = (overrides: Partial<Config> = {}, into: Metrics = metrics) =>
      openCache(
        // A private prefix: suites share the Redis server.
        loadConfig({}, { REDIS_URL: tier.redis, CACHE_PREFIX: `test-${randomBytes(4).toString('hex')}`, ...overrides }),
        into,
        createLogger({ level: 'silent', pretty: false }),
      );
    /** Another process's cache, as it were: its own memory and metrics. */
    const openAnother = (overrides: Partial<Config>) => open(overrides, createMetrics());

    before(async () => {
      metrics = createMetrics();
      cache = await open({ CACHE_TTL_ARTICLE_S: 1, CACHE_GRACE_S: 60, CACHE_SOFT_TIMEOUT_MS: 50, CACHE_HARD_TIMEOUT_MS: 300 });
    });
    after(async () => {
      await cache?.close();
    });

    it('collapses a stampede: 500 concurrent readers of a cold key, one load', async () => {
      let loads = 0;
      const values = await Promise.all(
        Array.from({ length: 500 }, () =>
          cache.getOrLoad('article', 'cold', async () => {
            loads++;
            await sleep(30);
            return { n: 42 };
          }),
        ),
      );
      assert.equal(loads, 1);
      assert.ok(values.every((v) => v.n === 42));
      const text = await metrics.registry.metrics();
      assert.match(text, /cache_stampede_collapsed_total\{cache="article"\} 499/);
    });

    it('loads under the soft and hard timeouts capture no stack trace up front (p-timeout 8, ADR 0049)', async () => {
      const capture = Error.captureStackTrace;
      let captured = 0;
      Error.captureStackTrace = (...args: Parameters<typeof capture>) => {
        captured++;
        capture(...args);
      };
      try {
        // Keys never read before: each a miss whose load runs under a timeout (hard: no graced value yet).
        for (let i = 0; i < 50; i++) assert.equal(await cache.getOrLoad('article', `timed-${i}`, async () => i), i);
      } finally {
        Error.captureStackTrace = capture;
      }
      assert.equal(captured, 0, 'stack traces captured by 50 loads that did not time out');
    });

    // Counters are shared only through Redis: in L1 alone a read costs no command.
    if (tier.redis !== undefined) it('a stampede of 500 readers on a cold key reads its invalidation counters twice in all (before the load, after the store), not once per reader', async () => {
      const ours = await commandsOfOwnCache(tier.redis!, (cache) =>
        Promise.all(Array.from({ length: 500 }, () => cache.getOrLoad('article', 'counted', async () => {
          await sleep(30);
          return 1;
        }))),
      );
      const counterReads = ours.filter(({ command }) => command === 'mget');
      assert.equal(counterReads.length, 2, `counter reads: ${JSON.stringify(counterReads)}`);
    });

    // The race check (generations.ts) needs Redis to look at the counters after the fill's stores; the look is
    // sent without waiting for their replies (bento-cache.ts), which holds only while they share one connection.
    if (tier.redis !== undefined) it("a batch fill's second look reaches Redis after its stores, on the same connection", async () => {
      const keys = ['a', 'b', 'c'];
      const ours = await commandsOfOwnCache(tier.redis!, (cache) =>
        cache.getManyOrLoad('article', keys, async (missing) => new Map(missing.map((k) => [k, { k }]))),
      );
      const stores = ours.filter(({ command }) => command === 'set');
      const looks = ours.filter(({ command }) => command === 'mget');
      assert.equal(stores.length, keys.length, `stores: ${JSON.stringify(stores)}`);
      assert.ok(looks.length >= 2, `counter reads: ${JSON.stringify(looks)}`);
      const secondLook = looks.at(-1)!;
      assert.ok(stores.every((store) => ours.indexOf(store) < ours.indexOf(secondLook)), `order on the server: ${JSON.stringify(ours.map((c) => c.command))}`);
      assert.ok(stores.every((store) => store.source === secondLook.source), 'the stores and the second look came over different connections');
    });

    it('collapses a batch stampede: 200 concurrent batch reads of cold keys load each key once', async () => {
      const loaded: string[][] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const load = async (keys: readonly string[]) => {
        loaded.push([...keys]);
        await gate;
        return new Map(keys.map((k) => [k, { k }]));
      };
      const collapsedBefore = await collapsed(metrics);
      // Half the batches ask for b1..b3, half for b2..b4: b2 and b3 are shared.
      const reads = Array.from({ length: 200 }, (_, i) =>
        cache.getManyOrLoad('article', i % 2 === 0 ? ['b1', 'b2', 'b3'] : ['b2', 'b3', 'b4'], load));
      await sleep(100);
      release();
      const found = await Promise.all(reads);
      assert.deepEqual(loaded.flat().sort(), ['b1', 'b2', 'b3', 'b4'], `each key loaded once (loads: ${JSON.stringify(loaded)})`);
      assert.ok(found.every((m, i) => [...m.keys()].sort().join() === (i % 2 === 0 ? 'b1,b2,b3' : 'b2,b3,b4')), 'every batch has all its keys');
      assert.equal((await collapsed(metrics)) - collapsedBefore, 199, 'every batch but the first waited on a load in flight');
    });

    it('a batch that waited on a load a write overlapped, or one that failed, loads the key itself', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const overlapped = cache.getManyOrLoad('article', ['w1'], async () => {
        await gate;
        return new Map([['w1', { title: 'before the write' }]]);
      });
      const failed = cache
        .getManyOrLoad('article', ['f1'], async () => {
          await gate;
          throw new Error('database away');
        })
        .then(() => 'answered', (err: Error) => err.message);
      await sleep(50); // both loads under way
      const waiterLoads: string[][] = [];
      const waiter = cache.getManyOrLoad('article', ['w1', 'f1'], async (keys) => {
        waiterLoads.push([...keys]);
        return new Map(keys.map((k) => [k, { title: 'after the write' }]));
      });
      await sleep(50);
      assert.deepEqual(waiterLoads, [], 'the second batch waits on the first instead of loading');
      await cache.delete('article', 'w1'); // a write commits while the first batch reads
      release();
      assert.deepEqual((await overlapped).get('w1'), { title: 'before the write' }, 'the overlapped batch answers what it read');
      assert.equal(await failed, 'database away');
      const got = await waiter;
      assert.deepEqual(waiterLoads, [['w1', 'f1']], 'the waiter loaded both keys itself');
      assert.deepEqual(Object.fromEntries(got), { w1: { title: 'after the write' }, f1: { title: 'after the write' } });
    });

    it('a loader error reaches the caller as itself (a 404 stays a 404), and is not cached', async () => {
      await assert.rejects(
        cache.getOrLoad('article', 'missing', async () => {
          throw errors.notFound('article');
        }),
        (err: unknown) => err instanceof AppError && err.status === 404,
      );
      assert.equal(await cache.getOrLoad('article', 'missing', async () => 'now here'), 'now here');
    });

    it('serves the stale value while the source fails (grace), and reports it', async () => {
      await cache.getOrLoad('article', 'graced', async () => 'v1');
      await sleep(1100); // past the 1 s TTL
      const value = await cache.getOrLoad('article', 'graced', async () => {
        throw new Error('database down');
      });
      assert.equal(value, 'v1');
      assert.match(await metrics.registry.metrics(), /cache_stale_served_total\{cache="article"\} [1-9]/);
    });

    it('never serves a value past its TTL while the source answers', async () => {
      await cache.getOrLoad('article', 'fresh', async () => 'old');
      await sleep(1100);
      assert.equal(await cache.getOrLoad('article', 'fresh', async () => 'new'), 'new');
    });

    it('a slow reload serves the stale value after the soft timeout; a hard timeout fails the call with 504 SS_TIMEOUT (not a 500)', async () => {
      await cache.getOrLoad('article', 'slow', async () => 'v1');
      await sleep(1100);
      const started = Date.now();
      const value = await cache.getOrLoad('article', 'slow', async () => {
        await sleep(1000);
        return 'v2';
      });
      assert.equal(value, 'v1');
      assert.ok(Date.now() - started < 900, 'answered at the soft timeout, not after the reload');
      await assert.rejects(
        cache.getOrLoad('article', 'never-cached', async () => {
          await sleep(1000);
          return 'late';
        }),
        (err: unknown) => err instanceof AppError && err.status === 504 && err.code === 'SS_TIMEOUT',
      );
    });

    // bentocache reads L2 a GET per key; with the near cache on (the default) a batch reads it in one MGET
    // (l2-batch-lookup.ts), which must read entries exactly as bentocache stored them.
    if (tier.redis !== undefined) it('a batch lookup asks L2 once for all its keys and takes what bentocache stored there', async () => {
      const prefix = `test-${randomBytes(4).toString('hex')}`;
      const writer = await openAnother({ CACHE_PREFIX: prefix });
      await writer.getOrLoad('article', 'a', async () => ({ title: 'A' }));
      await writer.getManyOrLoad('article', ['b'], async () => new Map([['b', { title: 'B' }]]));
      await writer.close();
      const loaded: string[] = [];
      let found = new Map<string, unknown>();
      const ours = await commandsOfOwnCache(tier.redis!, async (reader) => {
        found = await reader.getManyOrLoad('article', ['a', 'b', 'c'], async (missing) => {
          loaded.push(...missing);
          return new Map(missing.map((k) => [k, { title: k.toUpperCase() }]));
        });
      }, prefix);
      assert.deepEqual(loaded, ['c'], 'only the key L2 did not hold was loaded');
      assert.deepEqual(Object.fromEntries(found), { a: { title: 'A' }, b: { title: 'B' }, c: { title: 'C' } });
      const valueKeys = (args: string[]) => args.filter((a) => a.startsWith(`${prefix}:v2:article:`));
      const lookups = ours.filter(({ command, args }) => (command === 'get' || command === 'mget') && valueKeys(args).length > 0);
      assert.deepEqual(lookups.map(({ command, args }) => [command, valueKeys(args)]), [['mget', ['a', 'b', 'c'].map((k) => `${prefix}:v2:article:${k}`)]]);
    });

    if (tier.redis !== undefined) it('a batch lookup in L2 misses an entry whose tag was invalidated, and one past its TTL (no grace)', async () => {
      const prefix = `test-${randomBytes(4).toString('hex')}`;
      const settings = { CACHE_PREFIX: prefix, CACHE_TTL_ARTICLE_S: 1, CACHE_GRACE_S: 60 };
      const writer = await openAnother(settings);
      // Each read from a process that holds nothing of these keys in memory: what it finds, it found in L2.
      const readElsewhere = async (key: string) => {
        const reader = await openAnother(settings);
        try {
          return (await reader.getManyOrLoad('article', [key], async () => new Map([[key, 'reloaded']]))).get(key);
        } finally {
          await reader.close();
        }
      };
      try {
        await writer.getManyOrLoad('article', ['old'], async () => new Map([['old', 'stored']]));
        await writer.getOrLoad('article', 'tagged', async () => 'stored', { tags: ['t'] });
        assert.equal(await readElsewhere('old'), 'stored', 'a fresh entry is found');
        await writer.invalidateTags(['t']);
        assert.equal(await readElsewhere('tagged'), 'reloaded');
        await sleep(1_100); // past the TTL; the grace of 60 s keeps the entry in Redis
        assert.equal(await readElsewhere('old'), 'reloaded');
      } finally {
        await writer.close();
      }
    });

    it('invalidates by key and by tag; batch reads never see an invalidated value', async () => {
      await cache.set('list', 'page1', [1, 2], { tags: ['lists'] });
      await cache.set('profile', '7', { u: 'x' });
      assert.deepEqual([...(await cache.getMany('list', ['page1'])).values()], [[1, 2]]);
      await cache.invalidateTags(['lists']);
      assert.equal((await cache.getMany('list', ['page1'])).size, 0);
      await cache.delete('profile', '7');
      assert.equal((await cache.getMany('profile', ['7'])).size, 0);
    });
  });
}
