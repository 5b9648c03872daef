import { Counter, Gauge, type Registry } from 'prom-client';
import type { DataKind } from './cache.js';

const TIERS = ['near', 'l1', 'l2'] as const;
type Tier = (typeof TIERS)[number];

/** One cache's hits, misses and stale answers since start: plain numbers, counted on every read. */
interface Counts {
  near: number;
  l1: number;
  l2: number;
  misses: number;
  stale: number;
}

/**
 * What the cache reports: hits by tier, misses, loads, collapsed stampedes, refresh-ahead reloads, stale (graced)
 * answers. Hits, misses and stale answers are counted in plain numbers and handed to their prom-client counters when
 * /metrics is read: a feed page is ~40 cache hits, and a counter's inc with labels (it hashes them each time) was
 * 4.8% of the feed's CPU (docs/perf/results.md, "Cache hits counted at scrape").
 */
export class CacheMetrics {
  readonly loads: Counter<'cache'>;
  readonly loadErrors: Counter<'cache'>;
  readonly collapsed: Counter<'cache'>;
  readonly refreshes: Counter<'cache'>;
  private readonly counts = new Map<string, Counts>();

  constructor(registry: Registry) {
    const registers = [registry];
    const counts = this.counts;
    // At each scrape a counter is set to the totals since start: they only grow, so it still only goes up.
    const countedAtScrape = <L extends 'cache' | 'tier'>(name: string, help: string, labelNames: L[], series: (cache: string, c: Counts) => [Record<L, string>, number][]) =>
      new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const [cache, c] of counts) for (const [labels, value] of series(cache, c)) if (value > 0) this.inc(labels, value);
        },
      });
    countedAtScrape('cache_hits_total', 'Cache hits by cache and tier (near: live objects in process, l1: serialized in process, l2: Redis)', ['cache', 'tier'], (cache, c) =>
      TIERS.map((tier) => [{ cache, tier }, c[tier]]),
    );
    countedAtScrape('cache_misses_total', 'Cache misses (the value was loaded from its source)', ['cache'], (cache, c) => [[{ cache }, c.misses]]);
    countedAtScrape('cache_stale_served_total', 'Values served past their TTL (grace period) because the source failed or was slow', ['cache'], (cache, c) => [[{ cache }, c.stale]]);
    this.loads = new Counter({ name: 'cache_loads_total', help: 'Loads from the source of truth', labelNames: ['cache'], registers });
    this.loadErrors = new Counter({ name: 'cache_load_errors_total', help: 'Loads that failed', labelNames: ['cache'], registers });
    this.collapsed = new Counter({ name: 'cache_stampede_collapsed_total', help: 'Requests that waited on a load already in flight instead of starting their own', labelNames: ['cache'], registers });
    this.refreshes = new Counter({ name: 'cache_refreshes_total', help: 'Entries reloaded in the background because a read found them late in their TTL (refresh-ahead)', labelNames: ['cache'], registers });
    new Gauge({
      name: 'cache_hit_ratio',
      help: 'Hits / (hits + misses) since start, by cache',
      labelNames: ['cache'],
      registers,
      collect() {
        for (const [cache, c] of counts) {
          const hits = c.near + c.l1 + c.l2;
          this.set({ cache }, hits + c.misses === 0 ? 0 : hits / (hits + c.misses));
        }
      },
    });
  }

  hit(cache: DataKind, tier: Tier, graced: boolean): void {
    const c = this.of(cache);
    c[tier]++;
    if (graced) c.stale++;
  }

  miss(cache: DataKind): void {
    this.of(cache).misses++;
  }

  private of(cache: string): Counts {
    let c = this.counts.get(cache);
    if (!c) this.counts.set(cache, (c = { near: 0, l1: 0, l2: 0, misses: 0, stale: 0 }));
    return c;
  }
}
