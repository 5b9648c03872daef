/**
 * Reading a system's /metrics from a benchmark: counter values and histogram
 * quantiles over the window between two scrapes (bucket deltas), the way
 * Prometheus' histogram_quantile does it.
 */
export type Scrape = Map<string, number>;

export async function scrape(baseUrl: string): Promise<Scrape> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    series.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return series;
}

/** Sum of every series of `name` whose labels include all of `labels` (e.g. `strategy="push"`). */
export function total(s: Scrape, name: string, ...labels: string[]): number {
  let sum = 0;
  for (const [key, value] of s) {
    const base = key.split('{')[0];
    if (base === name && labels.every((l) => key.includes(l))) sum += value;
  }
  return sum;
}

/** The q-quantile (seconds) of histogram `name` over the window between scrapes `a` and `b`; NaN when empty. */
export function quantile(a: Scrape, b: Scrape, name: string, q: number, ...labels: string[]): number {
  return quantileWith(a, b, name, q, [], ...labels);
}

/** How much counter `name` (its series with all of `labels`) grew between scrapes `a` and `b`. */
export function increase(a: Scrape, b: Scrape, name: string, ...labels: string[]): number {
  return total(b, name, ...labels) - total(a, name, ...labels);
}

/**
 * How much counter `name` grew between scrapes `a` and `b`, per value of its label `label` (series summed per
 * value; a series new in `b` grew from 0; one without the label is left out).
 */
export function increaseByLabel(a: Scrape, b: Scrape, name: string, label: string): Map<string, number> {
  const by = new Map<string, number>();
  const pattern = new RegExp(`[{,]${label}="([^"]*)"`);
  for (const [key, value] of b) {
    if (key.split('{')[0] !== name) continue;
    const labelValue = pattern.exec(key)?.[1];
    if (labelValue === undefined) continue;
    by.set(labelValue, (by.get(labelValue) ?? 0) + value - (a.get(key) ?? 0));
  }
  return by;
}

/**
 * The measured process's CPU time (user + system, prom-client's process_cpu_seconds_total) per HTTP request it
 * answered between two scrapes, in µs; undefined when it answered none. What a request costs, whatever the load
 * generator got of the machine; a contended host still raises it (shared caches, a busy sibling thread).
 */
export function cpuPerRequestUs(a: Scrape, b: Scrape): number | undefined {
  const requests = count(a, b, 'http_request_duration_seconds');
  return requests > 0 ? (increase(a, b, 'process_cpu_seconds_total') * 1e6) / requests : undefined;
}

/** Samples of histogram `name` in the window between two scrapes. */
export function count(a: Scrape, b: Scrape, name: string, ...labels: string[]): number {
  return increase(a, b, `${name}_count`, ...labels);
}

/**
 * As quantile(), with `extra` samples (seconds) added into the window's
 * buckets: what the benchmark counts itself, e.g. fan-out chunks still
 * undelivered at the end of a phase.
 */
export function quantileWith(a: Scrape, b: Scrape, name: string, q: number, extra: readonly number[], ...labels: string[]): number {
  const buckets = windowBuckets(a, b, name, labels).map(({ le, count }) => ({ le, count: count + extra.filter((x) => x <= le).length }));
  if (buckets.length === 0 && extra.length > 0) {
    // Nothing observed at all (no series yet): the extra samples alone, nearest rank.
    const sorted = [...extra].sort((x, y) => x - y);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  }
  const all = buckets.at(-1)?.count ?? 0;
  if (all === 0) return NaN;
  const rank = q * all;
  let previous = { le: 0, count: 0 };
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (!Number.isFinite(bucket.le)) return previous.le;
      const inBucket = bucket.count - previous.count;
      return previous.le + (bucket.le - previous.le) * (inBucket === 0 ? 1 : (rank - previous.count) / inBucket);
    }
    previous = bucket;
  }
  return previous.le;
}

/**
 * The share (0–1) of histogram `name`'s samples in the window between two scrapes that were at most `bound`
 * seconds: exact when `bound` is one of its bucket bounds (NaN otherwise, and when the window is empty).
 */
export function shareWithin(a: Scrape, b: Scrape, name: string, bound: number, ...labels: string[]): number {
  const buckets = windowBuckets(a, b, name, labels);
  const all = buckets.find((x) => x.le === Infinity)?.count ?? 0;
  const within = buckets.find((x) => x.le === bound);
  return all === 0 || !within ? NaN : within.count / all;
}

/** Histogram `name`'s cumulative bucket counts in the window between two scrapes, every series matching `labels` summed per bound, by bound. */
function windowBuckets(a: Scrape, b: Scrape, name: string, labels: readonly string[]): { le: number; count: number }[] {
  const counts = new Map<number, number>();
  for (const [key, value] of b) {
    if (!key.startsWith(`${name}_bucket{`) || !labels.every((l) => key.includes(l))) continue;
    const le = /le="([^"]+)"/.exec(key)?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    counts.set(bound, (counts.get(bound) ?? 0) + value - (a.get(key) ?? 0));
  }
  return [...counts].map(([le, count]) => ({ le, count })).sort((x, y) => x.le - y.le);
}
