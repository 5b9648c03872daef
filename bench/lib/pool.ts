/** Runs fn(0..count-1) with at most `concurrency` in flight; rejects on the first failure. */
export async function forEachBounded(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown = null;
  const worker = async () => {
    while (failed === null && next < count) {
      const i = next++;
      try {
        await fn(i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  if (failed !== null) throw failed;
}

// The same generator the load lab uses: seeded data is the same every run.
export { prng } from '../../src/loadgen/random.js';
