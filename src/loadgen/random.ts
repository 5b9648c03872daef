/** Small deterministic random helpers, so a run's request mix is reproducible with --random-seed. */

/** mulberry32: fast, 32-bit state, good enough for picking requests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Zipf(s) over ranks 0..n-1 (rank 0 most likely), by binary search in the
 * cumulative weights: O(n) to build, O(log n) per draw. Popularity in real
 * traffic (articles read, users followed) is roughly Zipf with s near 1.
 */
export function zipf(n: number, s: number, random: () => number): () => number {
  if (n <= 0) throw new Error('zipf needs at least one item');
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cumulative[k] = sum += 1 / Math.pow(k + 1, s);
  return () => {
    const u = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
