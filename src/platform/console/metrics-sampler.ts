import type { Registry, MetricObjectWithValues, MetricValue } from 'prom-client';

/** One route's golden signals over the last interval. */
export interface RouteSignals {
  service: string;
  route: string;
  /** Requests per second. */
  rate: number;
  /** 5xx answers per second. */
  errors: number;
  /** Seconds, from the histogram's buckets (interpolated within a bucket). */
  p50: number | null;
  p99: number | null;
}

export interface Sample {
  t: number;
  routes: RouteSignals[];
  inFlight: number;
  eventLoopLagS: number | null;
  /** Hits of each tier / every lookup, over the interval; null when nothing was looked up. */
  cacheHitRatio: Record<string, number | null>;
  outboxPending: number;
  deadLetters: number;
  /** p99 seconds from a post to its last timeline write, over the interval. */
  fanoutLagP99: number | null;
  dependencies: { dependency: string; client: string; up: boolean }[];
  /** Each read replica's lag behind the primary (seconds; null before its first check) and whether it serves reads. */
  replicas: { replica: string; lagS: number | null; inRotation: boolean }[];
}

/** prom-client's JSON has the sample's own name (`_bucket`, `_count`) on histogram values; its type leaves it out. */
type Values = (MetricValue<string> & { metricName?: string })[];

/**
 * Turns the Prometheus registry into per-interval figures for the console: counters and histograms
 * are cumulative, so each sample is the difference from the previous read.
 */
export class MetricsSampler {
  private previous = new Map<string, number>();
  private last = Date.now();

  constructor(private readonly registry: Registry) {}

  async sample(): Promise<Sample> {
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.last) / 1000);
    this.last = now;
    const metrics = new Map((await this.registry.getMetricsAsJSON()).map((m) => [m.name, m as MetricObjectWithValues<MetricValue<string>>]));
    const values = (name: string): Values => (metrics.get(name)?.values ?? []) as Values;
    const current = new Map<string, number>();
    const delta = (key: string, value: number) => {
      current.set(key, value);
      return Math.max(0, value - (this.previous.get(key) ?? 0));
    };

    // http_request_duration_seconds: buckets, counts and statuses per service and route.
    const routes = new Map<string, { service: string; route: string; count: number; errors: number; buckets: [number, number][] }>();
    for (const v of values('http_request_duration_seconds')) {
      const l = v.labels as Record<string, string | number>;
      const service = String(l['service'] ?? '');
      const route = String(l['route'] ?? '');
      if (!route.startsWith('/api/')) continue;
      const key = `${service} ${route}`;
      const entry = routes.get(key) ?? { service, route, count: 0, errors: 0, buckets: [] };
      routes.set(key, entry);
      const id = `h|${key}|${l['method']}|${l['status']}|${v.metricName}|${l['le'] ?? ''}`;
      const d = delta(id, v.value);
      if (v.metricName?.endsWith('_count')) {
        entry.count += d;
        if (Number(l['status']) >= 500) entry.errors += d;
      } else if (v.metricName?.endsWith('_bucket')) {
        const le = l['le'] === '+Inf' ? Infinity : Number(l['le']);
        const bucket = entry.buckets.find((b) => b[0] === le);
        if (bucket) bucket[1] += d;
        else entry.buckets.push([le, d]);
      }
    }
    const routeSignals = [...routes.values()]
      .map((r) => ({ service: r.service, route: r.route, rate: r.count / seconds, errors: r.errors / seconds, p50: quantile(r.buckets, 0.5), p99: quantile(r.buckets, 0.99) }))
      .sort((a, b) => b.rate - a.rate);

    const hits = new Map<string, number>();
    for (const v of values('cache_hits_total')) {
      const tier = String(v.labels['tier']);
      hits.set(tier, (hits.get(tier) ?? 0) + delta(`c|${tier}|${v.labels['cache']}`, v.value));
    }
    let misses = 0;
    for (const v of values('cache_misses_total')) misses += delta(`m|${v.labels['cache']}`, v.value);
    const lookups = [...hits.values()].reduce((a, b) => a + b, 0) + misses;
    const cacheHitRatio: Record<string, number | null> = {};
    for (const tier of ['near', 'l1', 'l2']) cacheHitRatio[tier] = lookups ? (hits.get(tier) ?? 0) / lookups : null;

    const fanout: [number, number][] = [];
    for (const v of values('feed_fanout_lag_seconds')) {
      if (!v.metricName?.endsWith('_bucket')) continue;
      const le = v.labels['le'] === '+Inf' ? Infinity : Number(v.labels['le']);
      const d = delta(`f|${v.labels['strategy']}|${le}`, v.value);
      const bucket = fanout.find((b) => b[0] === le);
      if (bucket) bucket[1] += d;
      else fanout.push([le, d]);
    }

    this.previous = current;
    const sum = (name: string) => values(name).reduce((a, v) => a + v.value, 0);
    return {
      t: now,
      routes: routeSignals,
      inFlight: sum('http_requests_in_flight'),
      eventLoopLagS: values('nodejs_eventloop_lag_p99_seconds')[0]?.value ?? null,
      cacheHitRatio,
      outboxPending: sum('outbox_pending_messages'),
      deadLetters: sum('bus_dead_letters_pending'),
      fanoutLagP99: quantile(fanout, 0.99),
      dependencies: values('dependency_up').map((v) => ({ dependency: String(v.labels['dependency']), client: String(v.labels['client']), up: v.value === 1 })),
      replicas: values('db_replica_in_rotation').map((v) => {
        const replica = String(v.labels['replica']);
        const lag = values('db_replica_lag_seconds').find((l) => l.labels['replica'] === replica);
        return { replica, lagS: lag ? lag.value : null, inRotation: v.value === 1 };
      }),
    };
  }
}

/**
 * The q-quantile of a cumulative histogram's per-interval bucket counts ([le, count] with count of
 * observations <= le), interpolated linearly within its bucket as Prometheus' histogram_quantile does.
 */
export function quantile(buckets: [number, number][], q: number): number | null {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return lowerBound;
      return lowerBound + ((le - lowerBound) * (rank - lowerCount)) / Math.max(1, count - lowerCount);
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}
