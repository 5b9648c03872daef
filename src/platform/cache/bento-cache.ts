import { EventEmitter } from 'node:events';
import { BentoCache, bentostore, errors as bentoErrors } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import type * as RedisDrivers from 'bentocache/drivers/redis';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import type { CacheEntryOptions, DataKind, LoadMissing } from './cache.js';
import type { CacheMetrics } from './cache-metrics.js';
import { Generations, type GenerationSnapshot } from './generations.js';
import { L2BatchLookup } from './l2-batch-lookup.js';
import { asStamped, stamp, type Invalidation, type Stamped, type Tiers } from './tiers.js';
import { ttlMs } from './ttl.js';
import { resubscribingBus } from './resubscribing-bus.js';
import { errors } from '../errors/catalog.js';
import { redisPrefix } from '../redis/create-redis.js';

const KINDS = new Set<string>(['profile', 'article', 'list', 'tags', 'viewer', 'link', 'product', 'search']);
/** How values are stored (tiers.ts: Stamped); part of the key namespace. */
const VALUE_FORMAT = 'v2';

/** The Redis key pattern of every shared cache entry (values, tags, generation counters) under `redisPrefix` (config.REDIS_PREFIX). */
export function cacheKeysPattern(redisPrefix: string): string {
  return `${redisPrefix}:${VALUE_FORMAT}:*`;
}

// How bentocache names the key that records a tag's invalidation time (its TagSystem).
const TAG_KEY_PREFIX = '___bc:t:';

export interface BentoTiers {
  /**
   * L2 + invalidation bus; absent for L1 alone (embedded). The drivers come with the clients, loaded by the
   * caller only then: their module imports ioredis, which a process without Redis does not load.
   */
  redis?: { client: Redis; busClient: Redis; drivers: typeof RedisDrivers };
}

/**
 * The cache on bentocache: L1 in process, L2 Redis, and Redis pub/sub
 * telling every instance to drop its L1 copy when a key changes. One loader
 * per key (stampede protection), grace periods, soft and hard timeouts.
 */
export function createBentoCache(config: Config, tiers: BentoTiers, metrics: CacheMetrics): Tiers {
  const emitter = new EventEmitter();
  // L1 values stay serialized (bentocache's default), although parsing them on every hit costs ~8% of a
  // cached list page's CPU: with `serialize: false`, bentocache 1.6.1 throws in LocalCache.get (undefined
  // serializer) on the first read after a bus invalidation from another instance — a 500 under L1 + L2.
  const store = bentostore().useL1Layer(memoryDriver({ maxItems: config.CACHE_L1_MAX_ITEMS }));
  if (tiers.redis) {
    const { redisDriver, redisBusDriver } = tiers.redis.drivers;
    store.useL2Layer(redisDriver({ connection: tiers.redis.client }));
    // Wrapped: bentocache drops the promise of its SUBSCRIBE (see resubscribing-bus.ts).
    store.useBus(resubscribingBus(redisBusDriver({ connection: tiers.redis.busClient, retryQueue: { enabled: true, maxSize: 10_000 } })));
  }
  // The format's version is part of the namespace: a release that stored values unstamped shares no entries
  // (and no bus) with this one; during a rolling deploy the two only miss each other's invalidations (TTL-bounded).
  const bentoPrefix = `${redisPrefix(config)}:${VALUE_FORMAT}`;
  const bento = new BentoCache({
    default: 'main',
    stores: { main: store },
    prefix: bentoPrefix,
    emitter,
    grace: config.CACHE_GRACE_S > 0 ? config.CACHE_GRACE_S * 1000 : false,
    graceBackoff: 5_000,
    // Every load runs under p-timeout for these. p-timeout is pinned to 8 (package.json overrides, ADR 0049): 7, which
    // bentocache asks for, made a TimeoutError with a captured stack for every load, ~9% of a row that always misses.
    timeout: config.CACHE_SOFT_TIMEOUT_MS,
    hardTimeout: config.CACHE_HARD_TIMEOUT_MS,
    // Redis failing must degrade to the database, not fail requests; skip it for a while after an error.
    suppressL2Errors: true,
    l2CircuitBreakerDuration: 5_000,
  });

  emitter.on('cache:hit', (e: { key: string; layer?: 'l1' | 'l2'; graced?: boolean }) => {
    const kind = kindOf(e.key);
    if (kind) metrics.hit(kind, e.layer ?? 'l1', e.graced === true);
  });
  // Keys being reloaded ahead of expiry: bentocache reports a forced reload as a miss, but no reader missed.
  const refreshing = new Set<string>();
  emitter.on('cache:miss', (e: { key: string }) => {
    const kind = kindOf(e.key);
    if (kind && !refreshing.has(e.key)) metrics.miss(kind);
  });
  // Another instance's write or tag invalidation, as bentocache's bus delivers it (before it drops its own L1 copy).
  const remoteListeners: ((invalidation: Invalidation) => void)[] = [];
  emitter.on('bus:message:received', (e: { message: { keys: string[]; type: string } }) => {
    const invalidation = toInvalidation(e.message);
    for (const listener of remoteListeners) listener(invalidation);
  });

  // Per key in use: callers waiting and loads finished, to count the callers a stampede collapsed onto one load.
  const inFlight = new Map<string, { calls: number; loads: number }>();
  const entry = (kind: DataKind, options?: CacheEntryOptions) => ({ ttl: ttlMs(config, kind), tags: options?.tags ?? [] });
  // A fill stores what the database holds, which any other instance's copy of the key also holds unless a write
  // came between, and every write publishes its own invalidation. So a fill tells no one: publishing it would
  // cost a Redis command per key and make every other instance drop a good copy (and its near one) and reload it.
  // Measured with docs/perf/cache-batch-fill.mts: +17-19% batches/s with half of each batch missing.
  const asFill = { skipBusNotify: true } as const;

  // Cache-aside against concurrent writes (generations.ts): a fill drops what it stored if a write
  // invalidated its key or a tag while it read the database. Counters outlive any load by far.
  const generations = new Generations(
    tiers.redis ? { redis: tiers.redis.client, prefix: `${redisPrefix(config)}:${VALUE_FORMAT}:gen:`, ttlMs: 3_600_000 } : undefined,
  );
  // With the near cache in front, a read reaches these tiers when this process holds no fresh copy, which is
  // nearly always a miss here too (bentocache's L1 expires with the near copy): so the counters a fill needs
  // are read beside the lookup, not after it, and a miss waits one Redis round trip less before it queries.
  // Taken earlier, they can only show more writes as overlapping. Without the near cache every hit would pay
  // the read (measured: -28% batches/s found in L1, docs/perf/results.md), so then they are read after.
  const readCountersEarly = tiers.redis !== undefined && config.CACHE_NEAR_ENABLED;
  const keyName = (full: string) => `k:${full}`;
  const tagNames = (tags: readonly string[] = []) => tags.map((t) => `t:${t}`);
  /** The counters a fill of `keys` checks: each key's and each of its tags'. */
  const counterNames = (kind: DataKind, keys: readonly string[], options?: CacheEntryOptions) =>
    [...keys.map((key) => keyName(`${kind}:${key}`)), ...tagNames(options?.tags)];
  /** Drops `full` if a write moved its counters since `before` (the fill read the database before that write). */
  const dropIfOverlapped = async (full: string, names: string[], before: GenerationSnapshot) => {
    if ((await generations.changed(names, before)).size > 0) await bento.delete({ key: full });
  };
  // bentocache stores a loader's value itself, after the loader returns (possibly in the background, past a
  // timeout): the check runs once that store happened, found by the stored object.
  const checkAfterStore = new WeakMap<object, () => Promise<void>>();
  const checks = new WeakMap<object, Promise<void>>();
  emitter.on('cache:written', (e: { value: unknown }) => {
    if (typeof e.value !== 'object' || e.value === null) return;
    const check = checkAfterStore.get(e.value);
    if (!check) return;
    checkAfterStore.delete(e.value);
    checks.set(e.value, check().catch(() => {}));
  });
  // With the near cache in front, a batch reaches these tiers with keys this process does not hold, so
  // bentocache's L1 seldom has them either: L2 is asked once for all (l2-batch-lookup.ts). Without it, L1
  // answers most batch lookups in process, and bentocache's own path stays.
  const l2Batch = tiers.redis && config.CACHE_NEAR_ENABLED ? new L2BatchLookup(tiers.redis.client, bentoPrefix) : undefined;
  /** One key through bentocache: L1, then L2 with its tags checked. No grace: a batch lookup must see an invalidated key as missing. */
  const getOne = async <T>(kind: DataKind, key: string, found: Map<string, Stamped<T>>) => {
    const value = await bento.get<Stamped<T> | undefined>({ key: `${kind}:${key}`, grace: false });
    if (value !== undefined && value !== null) found.set(key, asStamped(value));
  };
  const getMany = async <T>(kind: DataKind, keys: readonly string[]) => {
    const found = new Map<string, Stamped<T>>();
    const answers = l2Batch?.usable() ? await l2Batch.lookup(keys.map((key) => `${kind}:${key}`)).catch(() => undefined) : undefined;
    if (!answers) {
      await Promise.all(keys.map((key) => getOne(kind, key, found)));
      return found;
    }
    const asked: Promise<void>[] = [];
    answers.forEach((answer, i) => {
      const key = keys[i]!;
      if (answer === 'ask-bentocache') asked.push(getOne(kind, key, found));
      else if (answer === 'missing') metrics.miss(kind);
      else {
        found.set(key, asStamped(answer.value as Stamped<T>));
        metrics.hit(kind, 'l2', false);
      }
    });
    await Promise.all(asked);
    return found;
  };
  /** Stores `value` as a fill (loaded from the source: not published) or a write (published to every instance). */
  const put = <T>(kind: DataKind, key: string, value: Stamped<T>, options: CacheEntryOptions | undefined, as: 'fill' | 'write') =>
    bento.set({ key: `${kind}:${key}`, value, ...entry(kind, options), ...(as === 'fill' ? asFill : {}) });

  /** Cache-aside through bentocache (one loader per key); `forceFresh` loads even over a cached value (refresh-ahead). */
  const loadThrough = async <T>(kind: DataKind, key: string, load: () => Promise<T>, options: CacheEntryOptions | undefined, forceFresh: boolean) => {
    const full = `${kind}:${key}`;
    const state = inFlight.get(full) ?? { calls: 0, loads: 0 };
    inFlight.set(full, state);
    state.calls++;
    // Only the first caller of a key: the others wait on its load (bentocache's lock), and a stampede must
    // not send one counter read per reader. A later caller that does load reads its own.
    const early = readCountersEarly && !forceFresh && state.calls === 1 ? generations.read(counterNames(kind, [key], options)) : undefined;
    const loadsBefore = state.loads;
    let loadedHere = false;
    let stored: Stamped<T> | undefined;
    if (forceFresh) refreshing.add(full);
    try {
      const value = await bento.getOrSet<Stamped<T>>({
        key: full,
        ...entry(kind, options),
        ...asFill,
        forceFresh,
        factory: async () => {
          loadedHere = true;
          metrics.loads.inc({ cache: kind });
          try {
            const names = counterNames(kind, [key], options);
            const before = await (early ?? generations.read(names));
            const at = Date.now();
            stored = stamp(await load(), at, options);
            checkAfterStore.set(stored, () => dropIfOverlapped(full, names, before));
            return stored;
          } catch (err) {
            metrics.loadErrors.inc({ cache: kind });
            throw err;
          } finally {
            state.loads++;
          }
        },
      });
      // Our own load: answer once it is known whether the value stays (the next read must not see it if not).
      if (stored) await checks.get(stored);
      return asStamped(value);
    } catch (err) {
      throw loaderError(err, kind);
    } finally {
      if (forceFresh) refreshing.delete(full);
      if (!loadedHere && state.loads > loadsBefore) metrics.collapsed.inc({ cache: kind });
      if (--state.calls === 0) inFlight.delete(full);
    }
  };
  /**
   * Loads `keys` in one call and stores what it returns; a key a write touched meanwhile is answered but not kept.
   * `overlapped`: the keys (found or not) whose counters moved during the load.
   */
  const loadManyChecked = async <T>(
    kind: DataKind,
    keys: readonly string[],
    loadMissing: LoadMissing<T>,
    options?: CacheEntryOptions,
    /** Counters read before the lookup that found these keys missing (readCountersEarly). */
    early?: Promise<GenerationSnapshot>,
  ): Promise<CheckedLoad<T>> => {
    const names = counterNames(kind, keys, options);
    const keyNames = names.slice(0, keys.length);
    const tags = names.slice(keys.length);
    const before = await (early ?? generations.read(names));
    const at = Date.now();
    const loaded = await loadMissing(keys).catch((err: unknown) => {
      metrics.loadErrors.inc({ cache: kind });
      throw err;
    });
    const out = new Map<string, Stamped<T>>();
    const stores = [...loaded].map(([key, value]) => {
      const stamped = stamp(value, at, options);
      out.set(key, stamped);
      return put(kind, key, stamped, options, 'fill');
    });
    // The second look goes right behind the stores, not after their replies: bentocache writes L1 and sends the
    // L2 SET before `set` returns, and the client's one connection runs commands in the order sent, so Redis
    // looks after it stored, as the protocol needs, one round trip sooner. Guarded by a test that watches the
    // order on the server ("a batch fill's second look reaches Redis after its stores").
    const [changed] = await Promise.all([generations.changed(names, before), Promise.all(stores)]);
    const tagMoved = tags.some((n) => changed.has(n));
    const overlapped = new Set(keys.filter((_, i) => tagMoved || changed.has(keyNames[i]!)));
    await Promise.all([...overlapped].filter((key) => loaded.has(key)).map((key) => bento.delete({ key: `${kind}:${key}` })));
    return { out, overlapped };
  };
  const loadMany = async <T>(kind: DataKind, keys: readonly string[], loadMissing: LoadMissing<T>, options?: CacheEntryOptions) =>
    (await loadManyChecked(kind, keys, loadMissing, options)).out;

  /**
   * Batch loads in flight, per key (and tags): a batch that misses a key another batch is loading waits for that
   * load instead of querying it again (the single-key path has bentocache's lock). A waiter takes only what the
   * load kept: after a failed load, or one a write overlapped (the waiter may have begun after that write), it
   * loads the key itself.
   */
  const batchLoads = new Map<string, Promise<CheckedLoad<unknown>>>();
  const inFlightName = (kind: DataKind, key: string, options?: CacheEntryOptions) => `${kind}:${key}#${(options?.tags ?? []).join(',')}`;
  /** Loads `keys` as one batch, registered for other batches to wait on until it settles. */
  const loadShared = <T>(kind: DataKind, keys: readonly string[], loadMissing: LoadMissing<T>, options?: CacheEntryOptions, early?: Promise<GenerationSnapshot>) => {
    const load = loadManyChecked(kind, keys, loadMissing, options, early);
    const names = keys.map((key) => inFlightName(kind, key, options));
    for (const name of names) batchLoads.set(name, load);
    const forget = () => {
      for (const name of names) if (batchLoads.get(name) === load) batchLoads.delete(name);
    };
    load.then(forget, forget);
    return load;
  };
  /** What a batch waiting on `load` takes for `key`. */
  const outcomeOf = <T>(load: Promise<CheckedLoad<T>>, key: string): Promise<BatchOutcome<T>> =>
    load.then(
      ({ out, overlapped }) => (overlapped.has(key) ? 'retry' : out.has(key) ? { value: out.get(key)! } : 'absent'),
      () => 'retry',
    );

  return {
    getOrLoad: (kind, key, load, options) => loadThrough(kind, key, load, options, false),
    refresh: (kind, key, load, options) => loadThrough(kind, key, load, options, true),
    getMany,
    getManyOrLoad: async <T>(kind: DataKind, keys: readonly string[], loadMissing: LoadMissing<T>, options?: CacheEntryOptions) => {
      // Not when another batch is loading one of these keys already (a stampede on a new key): waiters load nothing.
      const early = readCountersEarly && !keys.some((key) => batchLoads.has(inFlightName(kind, key, options)))
        ? generations.read(counterNames(kind, keys, options))
        : undefined;
      const found = await getMany<T>(kind, keys);
      const missing = keys.filter((key) => !found.has(key));
      if (missing.length === 0) return found;
      const loadInto = async (some: readonly string[], counters?: Promise<GenerationSnapshot>) => {
        for (const [key, stamped] of (await loadShared(kind, some, loadMissing, options, counters)).out) found.set(key, stamped);
      };
      const waiting: Array<[string, Promise<BatchOutcome<T>>]> = [];
      const mine: string[] = [];
      for (const key of missing) {
        const pending = batchLoads.get(inFlightName(kind, key, options)) as Promise<CheckedLoad<T>> | undefined;
        if (pending) waiting.push([key, outcomeOf(pending, key)]);
        else mine.push(key);
      }
      if (mine.length > 0) await loadInto(mine, early);
      const again: string[] = [];
      for (const [key, pending] of waiting) {
        const outcome = await pending;
        if (outcome === 'retry') again.push(key);
        else if (outcome !== 'absent') found.set(key, outcome.value);
      }
      if (waiting.length > again.length) metrics.collapsed.inc({ cache: kind });
      // Their own counters: the early ones predate the write that overlapped the load they waited on.
      if (again.length > 0) await loadInto(again);
      return found;
    },
    refreshMany: loadMany,
    // A write: bump the counters first, so a fill that read the database before it does not keep its value.
    set: async (kind, key, value, options) => {
      await generations.bump([keyName(`${kind}:${key}`)]);
      await put(kind, key, stamp(value, Date.now(), options), options, 'write');
    },
    delete: async (kind, key) => {
      await generations.bump([keyName(`${kind}:${key}`)]);
      await bento.delete({ key: `${kind}:${key}` });
    },
    invalidateTags: async (tags) => {
      if (tags.length === 0) return;
      await generations.bump(tagNames(tags));
      await bento.deleteByTag({ tags });
    },
    onRemoteInvalidation: (listener) => {
      remoteListeners.push(listener);
    },
    close: () => bento.disconnectAll(),
  };
}

/** A batch load's answer: what it loaded, and the keys (found or not) a write touched meanwhile. */
interface CheckedLoad<T> {
  out: Map<string, Stamped<T>>;
  overlapped: Set<string>;
}

/** How a batch load settled one key, for a batch that waited on it: its value, absent from the source, or load it yourself. */
type BatchOutcome<T> = { value: Stamped<T> } | 'absent' | 'retry';

/** A bus message in our terms: a tag is invalidated by writing its `___bc:t:<tag>` key. */
function toInvalidation(message: { keys: string[]; type: string }): Invalidation {
  if (message.type === 'clear') return 'all';
  const keys: string[] = [];
  const tags: string[] = [];
  for (const key of message.keys) {
    if (key.startsWith(TAG_KEY_PREFIX)) tags.push(key.slice(TAG_KEY_PREFIX.length));
    else keys.push(key);
  }
  return { keys, tags };
}

/**
 * bentocache wraps what a loader throws; callers get the loader's own error (a 404 stays a 404). A load past
 * the hard timeout (its source overloaded or stalled) is the catalog's 504: bentocache's own error was a 500.
 */
function loaderError(err: unknown, kind: DataKind): unknown {
  if (err instanceof bentoErrors.E_FACTORY_HARD_TIMEOUT) return errors.timeout(kind);
  return err instanceof bentoErrors.E_FACTORY_ERROR && err.cause !== undefined ? err.cause : err;
}

/** The data kind is the key's first segment after bentocache's own prefixes. */
function kindOf(key: string): DataKind | undefined {
  return key.split(':').find((segment) => KINDS.has(segment)) as DataKind | undefined;
}
