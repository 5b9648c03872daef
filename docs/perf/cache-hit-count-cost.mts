// What counting a cache hit costs (docs/perf/results.md, "Cache hits counted at scrape"): a prom-client Counter's
// inc with labels, as CacheMetrics.hit did until then, against CacheMetrics.hit now (a field of a plain object,
// handed to the counter when /metrics is read). A feed page of 20 articles reads ~40 keys from the near cache.
//   node --import tsx docs/perf/cache-hit-count-cost.mts [rounds=3]
import { Counter, Registry } from 'prom-client';
import { CacheMetrics } from '../../src/platform/cache/cache-metrics.js';

const [rounds = 3] = process.argv.slice(2).map(Number);
const HITS = 2_000_000;
const KINDS = ['article', 'profile', 'viewer'] as const;

const variants = {
  'prom-client inc with labels': () => {
    const hits = new Counter({ name: 'cache_hits_total', help: 'hits', labelNames: ['cache', 'tier'], registers: [new Registry()] });
    return (i: number) => hits.inc({ cache: KINDS[i % 3]!, tier: 'near' });
  },
  'CacheMetrics.hit': () => {
    const metrics = new CacheMetrics(new Registry());
    return (i: number) => metrics.hit(KINDS[i % 3]!, 'near', false);
  },
};

for (let round = 0; round < rounds; round++) {
  for (const [name, make] of Object.entries(variants)) {
    const hit = make();
    const started = performance.now();
    for (let i = 0; i < HITS; i++) hit(i);
    const ns = ((performance.now() - started) * 1e6) / HITS;
    console.log(`round ${round}, ${name}: ${ns.toFixed(1)} ns a hit, ${((ns * 40) / 1000).toFixed(2)} µs for a feed page's 40`);
  }
}
