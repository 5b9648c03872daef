/**
 * Refresh-ahead (CACHE_REFRESH_AHEAD, docs/patterns/caching.md): a read that finds a near copy late in its
 * TTL answers from it and reloads it in the background, so a key read often never expires under its readers.
 * Same suite on L1 alone (embedded) and on L1 + L2 Redis + bus.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config/load-config.js';
import { currentStatementScope, withStatementScope } from '../db/statement-scope.js';
import type { Config } from '../config/schema.js';
import { createLogger } from '../log/logger.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { skipUnlessAvailable } from '../../testing/services-required.js';
import { redisUnavailable, TEST_REDIS_URL as REDIS_URL } from '../../testing/redis-probe.js';
import type { Cache } from './cache.js';
import { openCache } from './open-cache.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until `ms` after `t0`. */
const at = (t0: number, ms: number) => sleep(Math.max(0, t0 + ms - Date.now()));

/**
 * When a first load ran: the copy it stored was written between `start` and `end`, so a wait meant to land
 * before a point of its TTL counts from `start`, one meant to land after counts from `end` (a loaded CI host
 * can take 100 ms and more for the load itself).
 */
async function firstLoad(load: () => Promise<unknown>) {
  const start = Date.now();
  await load();
  return { start, end: Date.now() };
}

/** A load that answers only when released: shows whether a read waited on it. */
function gated<T>() {
  let release!: (value: T) => void;
  let fail!: (err: Error) => void;
  const promise = new Promise<T>((resolve, reject) => ((release = resolve), (fail = reject)));
  return { promise, release, fail };
}

async function counter(metrics: Metrics, name: string, kind: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)!.get();
  return metric.values.filter((v) => v.labels['cache'] === kind).reduce((sum, v) => sum + v.value, 0);
}

const until = async (what: string, check: () => Promise<boolean>) => {
  for (const deadline = Date.now() + 3_000; Date.now() < deadline; await sleep(10)) if (await check()) return;
  assert.fail(`${what} within 3 s`);
};

/**
 * Loads `key` as 'v1', then reads it late in its TTL (1.3 s) and holds the reload that read starts, returning
 * once the reload is reading (its query under way) with the late read's answer and the hold's release/fail.
 */
async function lateReadHoldingTheReload(cache: Cache, key: string) {
  // 1.3 s after the load ended must still be inside the copy's 2 s TTL (counted from before the load): a load
  // slower than 0.5 s on a stalled host leaves too little room, so it is done again (the key dropped first).
  let t = await firstLoad(() => cache.getOrLoad('article', key, async () => 'v1'));
  for (let tries = 1; t.end - t.start > 500 && tries < 10; tries++) {
    await cache.delete('article', key);
    t = await firstLoad(() => cache.getOrLoad('article', key, async () => 'v1'));
  }
  await at(t.end, 1_300);
  const reload = gated<string>();
  let reading = false;
  const answered = await cache.getOrLoad('article', key, () => {
    reading = true;
    return reload.promise;
  });
  await until('the reload is reading', async () => reading);
  return { loaded: t, answered, release: reload.release, fail: reload.fail };
}

const opened: Cache[] = [];
after(async () => {
  await Promise.all(opened.map((c) => c.close()));
});

const targets: Array<{ name: string; options: { skip?: string | boolean }; settings: Partial<Config> }> = [
  { name: 'embedded: near + L1', options: {}, settings: {} },
  { name: 'near + L1 + L2 Redis + bus', options: skipUnlessAvailable(await redisUnavailable()), settings: { REDIS_URL } },
];

for (const target of targets) {
  describe(`refresh-ahead (${target.name})`, target.options, () => {
    // Articles live 2 s here; from 1.2 s on, a hit reloads (and a copy reloaded at 1.3 s is due again at 2.5 s).
    const open = async (metrics: Metrics, overrides: Partial<Config> = {}) => {
      const config = loadConfig(
        {},
        {
          CACHE_PREFIX: `refresh-${randomBytes(4).toString('hex')}`,
          CACHE_TTL_JITTER: 0,
          CACHE_TTL_ARTICLE_S: 2,
          CACHE_GRACE_S: 0,
          CACHE_REFRESH_AHEAD: 0.6,
          ...target.settings,
          ...overrides,
        },
      );
      const cache = await openCache(config, metrics, createLogger({ level: 'silent', pretty: false }));
      opened.push(cache);
      // Connections made before the tests time anything: a first load that also waits for Redis to connect can
      // outlast the room a test leaves between a copy's refresh point and its TTL. Another kind, so the
      // article counters the tests read start at 0.
      await cache.getOrLoad('profile', 'connections up', async () => true);
      return cache;
    };

    it('a read late in the TTL answers at once and reloads in the background: the key never expires under its readers', async () => {
      const metrics = createMetrics();
      const cache = await open(metrics);
      let loads = 0;
      const t = await firstLoad(async () => assert.equal(await cache.getOrLoad('article', 'k', async () => `v${++loads}`), 'v1'));
      await at(t.start, 300);
      assert.equal(await cache.getOrLoad('article', 'k', async () => `v${++loads}`), 'v1', 'before the refresh point');
      assert.equal(loads, 1, 'a read before the refresh point loads nothing');

      await at(t.end, 1_300);
      const reload = gated<string>();
      assert.equal(await cache.getOrLoad('article', 'k', () => reload.promise), 'v1', 'answered from the copy while the reload is still out');
      reload.release('v2');
      await until('the reloaded value is served', async () => (await cache.getOrLoad('article', 'k', async () => 'a miss')) === 'v2');

      await at(t.end, 2_100); // past the first load's TTL, before the reloaded copy is due again
      assert.equal(await cache.getOrLoad('article', 'k', async () => 'a miss'), 'v2', 'still the reloaded value, nothing loaded in the read');
      assert.equal(await counter(metrics, 'cache_refreshes_total', 'article'), 1);
      assert.equal(await counter(metrics, 'cache_misses_total', 'article'), 1, 'the reload is not counted as a miss: only the first load was');
    });

    it('a batch read reloads the keys late in their TTL in one call, beside loading its misses', async () => {
      const cache = await open(createMetrics());
      const calls: string[][] = [];
      const load = (round: string) => async (keys: readonly string[]) => {
        calls.push([...keys]);
        return new Map(keys.map((k) => [k, `${k}${round}`]));
      };
      const t = await firstLoad(() => cache.getManyOrLoad('article', ['a', 'b'], load('1')));
      await at(t.end, 1_300);
      const found = await cache.getManyOrLoad('article', ['a', 'b', 'c'], load('2'));
      assert.deepEqual(Object.fromEntries(found), { a: 'a1', b: 'b1', c: 'c2' }, 'the copies answer; only the miss waited');
      await until('the reloads are served', async () => (await cache.getManyOrLoad('article', ['a', 'b'], load('x'))).get('a') === 'a2');
      await at(t.end, 2_100); // past the first load's TTL
      assert.deepEqual(Object.fromEntries(await cache.getManyOrLoad('article', ['a', 'b'], load('3'))), { a: 'a2', b: 'b2' });
      assert.deepEqual(calls.map((keys) => keys.join(',')).sort(), ['a,b', 'a,b', 'c'], 'one load of the late keys, one of the miss, none after');
    });

    it('the reload runs outside the request that set it off: its statements are not counted against that request', async () => {
      const cache = await open(createMetrics());
      const t = await firstLoad(() => cache.getOrLoad('article', 'ctx', async () => 'v1'));
      await at(t.end, 1_300);
      const request = { count: 0 };
      let reloadSaw: unknown = 'no reload yet';
      const answered = await withStatementScope(request, () => cache.getOrLoad('article', 'ctx', async () => {
        reloadSaw = currentStatementScope();
        return 'v2';
      }));
      assert.equal(answered, 'v1', 'the late read is answered from the copy');
      await until('the reload ran', async () => reloadSaw !== 'no reload yet');
      assert.equal(reloadSaw, undefined, 'the reload ran in no request\'s scope');
    });

    it('a reload that overlapped a write keeps nothing: the next read sees the write', async () => {
      const cache = await open(createMetrics());
      const late = await lateReadHoldingTheReload(cache, 'w');
      assert.equal(late.answered, 'v1');
      await cache.set('article', 'w', 'written');
      late.release('read before the write');
      await sleep(100);
      // The write-through copy may have been replaced by the reload and then dropped: the read goes to the source.
      const next = await cache.getOrLoad('article', 'w', async () => 'from the database');
      assert.ok(next === 'written' || next === 'from the database', `the next read found "${next}"`);
    });

    it('a reload not kept near (another key invalidated meanwhile) is not started again by every later read', async () => {
      const metrics = createMetrics();
      const cache = await open(metrics);
      const late = await lateReadHoldingTheReload(cache, 'e');
      await cache.delete('article', 'some other key');
      late.release('v2');
      await sleep(50);
      for (let i = 0; i < 3; i++) assert.equal(await cache.getOrLoad('article', 'e', async () => 'a miss'), 'v2', 'the reloaded value, from the tiers below');
      assert.equal(await counter(metrics, 'cache_refreshes_total', 'article'), 1);
    });

    it('a failed reload costs the readers nothing: the copy serves until its TTL, then the next read loads', async () => {
      const metrics = createMetrics();
      const cache = await open(metrics);
      const late = await lateReadHoldingTheReload(cache, 'f');
      assert.equal(late.answered, 'v1', 'the late read is answered from the copy');
      late.fail(new Error('database away'));
      await sleep(50);
      assert.equal(await cache.getOrLoad('article', 'f', async () => { throw new Error('database still away'); }), 'v1', 'the next read is still answered from the copy');
      await at(late.loaded.end, 2_100); // past the TTL
      assert.equal(await cache.getOrLoad('article', 'f', async () => 'v2'), 'v2');
      assert.equal(await counter(metrics, 'cache_refreshes_total', 'article'), 2, 'each reload that failed let the next late read try again');
    });

    it('CACHE_REFRESH_AHEAD=1 turns it off: a late read reloads nothing and the copy expires', async () => {
      const metrics = createMetrics();
      const cache = await open(metrics, { CACHE_REFRESH_AHEAD: 1 });
      let loads = 0;
      const t = await firstLoad(() => cache.getOrLoad('article', 'off', async () => ++loads));
      await at(t.end, 1_300);
      assert.equal(await cache.getOrLoad('article', 'off', async () => ++loads), 1);
      await at(t.end, 2_100);
      assert.equal(await cache.getOrLoad('article', 'off', async () => ++loads), 2, 'expired and loaded by the read');
      assert.equal(await counter(metrics, 'cache_refreshes_total', 'article'), 0);
    });
  });
}
