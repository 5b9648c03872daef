import { Counter, Gauge, type Registry } from 'prom-client';
import type { DataKind } from './cache.js';

/** What the cache reports: hits by tier, misses, loads, collapsed stampedes, refresh-ahead reloads, stale (graced) answers. */
export class CacheMetrics {
  private readonly hits: Counter<'cache' | 'tier'>;
  private readonly misses: Counter<'cache'>;
  readonly loads: Counter<'cache'>;
  readonly loadErrors: Counter<'cache'>;
  readonly collapsed: Counter<'cache'>;
  readonly refreshes: Counter<'cache'>;
  private readonly stale: Counter<'cache'>;
  private readonly totals = new Map<string, { hits: number; misses: number }>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.hits = new Counter({ name: 'cache_hits_total', help: 'Cache hits by cache and tier (near: live objects in process, l1: serialized in process, l2: Redis)', labelNames: ['cache', 'tier'], registers });
    this.misses = new Counter({ name: 'cache_misses_total', help: 'Cache misses (the value was loaded from its source)', labelNames: ['cache'], registers });
    this.loads = new Counter({ name: 'cache_loads_total', help: 'Loads from the source of truth', labelNames: ['cache'], registers });
    this.loadErrors = new Counter({ name: 'cache_load_errors_total', help: 'Loads that failed', labelNames: ['cache'], registers });
    this.collapsed = new Counter({ name: 'cache_stampede_collapsed_total', help: 'Requests that waited on a load already in flight instead of starting their own', labelNames: ['cache'], registers });
    this.refreshes = new Counter({ name: 'cache_refreshes_total', help: 'Entries reloaded in the background because a read found them late in their TTL (refresh-ahead)', labelNames: ['cache'], registers });
    this.stale = new Counter({ name: 'cache_stale_served_total', help: 'Values served past their TTL (grace period) because the source failed or was slow', labelNames: ['cache'], registers });
    const totals = this.totals;
    new Gauge({
      name: 'cache_hit_ratio',
      help: 'Hits / (hits + misses) since start, by cache',
      labelNames: ['cache'],
      registers,
      collect() {
        for (const [cache, t] of totals) this.set({ cache }, t.hits + t.misses === 0 ? 0 : t.hits / (t.hits + t.misses));
      },
    });
  }

  hit(cache: DataKind, tier: 'near' | 'l1' | 'l2', graced: boolean): void {
    this.hits.inc({ cache, tier });
    if (graced) this.stale.inc({ cache });
    this.total(cache).hits++;
  }

  miss(cache: DataKind): void {
    this.misses.inc({ cache });
    this.total(cache).misses++;
  }

  private total(cache: string) {
    let t = this.totals.get(cache);
    if (!t) this.totals.set(cache, (t = { hits: 0, misses: 0 }));
    return t;
  }
}
