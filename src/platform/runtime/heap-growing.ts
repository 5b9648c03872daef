import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what a mark-compact left live before it starts the next one
 * (HEAP_GROWING_PERCENT; 0 leaves V8's own choice).
 *
 * V8 picks that factor at every mark-compact from how fast the program fills the old generation against how
 * fast it marks, aiming at 97% of the main thread for the program. With concurrent marking its main-thread
 * cost looks small, so under a steady moderate load it picks ~1.15: the system's old generation (~82 MB live
 * under the feed bench's mix) got a mark-compact every 11-21 s, each pausing reads for several milliseconds.
 * A fixed factor of 2 spaces them 72-102 s apart under the same mix, for up to one more live set of garbage
 * in memory; under a burst (the feed bench's warm-up) it is below V8's own (up to 4), so the heap peaks lower
 * there (docs/perf/results.md, 2026-12-06; docs/adr/0047-v8-heap-growing-factor.md).
 *
 * V8 reads the flag each time it sets the next limit, so setting it in a running process takes effect at the
 * next mark-compact (heap-growing.test.ts checks that in a child process). It is process-wide.
 */
export function setHeapGrowingPercent(percent: number): void {
  // 0 is V8's own default for the flag (no fixed factor), so it also undoes an earlier setting in this process.
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
