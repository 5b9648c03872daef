import { percentile } from './load.js';

/** What a closed loop did; every request it started is in exactly one of ok, errors, late, unfinished. */
export interface LoopResult {
  /** Requests started. */
  requests: number;
  /** Answered within the run. */
  ok: number;
  /** Rejected (any thrown error), whenever it happened. */
  errors: number;
  /** Answered after the run ended but within the grace period (counted, and in the percentiles). */
  late: number;
  /** Still pending when the grace period ran out. */
  unfinished: number;
  /** ok / run seconds. */
  perSecond: number;
  /** ms over every answered request (ok and late). */
  p50: number;
  p99: number;
}

/**
 * `callers` callers each issue the next request when the last one settled,
 * until `durationMs` has passed. Requests in flight at the end are waited for
 * up to `graceMs` and counted as late or unfinished, never dropped, so a
 * setup that stalls under load shows it in the counts, not only in p99.
 */
export async function closedLoop(callers: number, durationMs: number, run: (i: number, caller: number) => Promise<unknown>, graceMs = 5_000): Promise<LoopResult> {
  const latencies: number[] = [];
  let requests = 0;
  let ok = 0;
  let errors = 0;
  let late = 0;
  const started = performance.now();
  const end = started + durationMs;
  let finished = false;
  const loops = Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      while (!finished && performance.now() < end) {
        const t0 = performance.now();
        requests++;
        try {
          await run(requests - 1, caller);
          latencies.push(performance.now() - t0);
          if (performance.now() <= end) ok++;
          else late++;
        } catch {
          errors++;
        }
      }
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([loops, new Promise((resolve) => (timer = setTimeout(resolve, durationMs + graceMs)))]);
  clearTimeout(timer);
  finished = true;
  const unfinished = requests - ok - errors - late;
  latencies.sort((a, b) => a - b);
  return { requests, ok, errors, late, unfinished, perSecond: ok / (durationMs / 1000), p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}
