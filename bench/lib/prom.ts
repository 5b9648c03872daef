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
  const buckets: { le: number; count: number }[] = [];
  for (const [key, value] of b) {
    if (!key.startsWith(`${name}_bucket{`) || !labels.every((l) => key.includes(l))) continue;
    const le = /le="([^"]+)"/.exec(key)?.[1];
    if (le === undefined) continue;
    buckets.push({ le: le === '+Inf' ? Infinity : Number(le), count: value - (a.get(key) ?? 0) });
  }
  buckets.sort((x, y) => x.le - y.le);
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
