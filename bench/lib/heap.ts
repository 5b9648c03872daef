/**
 * `--profile`'s heap summary: the measured process's V8 heap after each row and the garbage collection
 * it paid during the row, read from its own /metrics (prom-client's default metrics: heap spaces,
 * external memory, GC pause histogram by kind). Not a heap snapshot: writing one pauses the process for
 * seconds and its file is several times the heap; this says whether a row grew the heap and what its
 * allocation cost in pauses, which is the question a CPU profile's `(garbage collector)` frame raises.
 * For what holds the heap, take a snapshot by hand (docs/perf/flames.md). From the same histogram, the
 * GC pauses of a window counted (gcPauses): the feed bench prints them per phase on every run.
 */
import { count, increase, scrape, shareWithin, total, type Scrape } from './prom.js';

export interface HeapSummary {
  /** V8 heap in use and the spaces that matter, MB. */
  usedMb: number;
  newSpaceMb: number;
  oldSpaceMb: number;
  largeObjectMb: number;
  codeMb: number;
  /** Memory outside the V8 heap held by JS objects (Buffers, WASM memory), MB. */
  externalMb: number;
  /** GC pauses during the row: seconds, and by kind (minor = scavenges of the young generation). */
  gcSeconds: number;
  gcByKind: Record<string, number>;
}

const mb = (bytes: number) => Math.round(bytes / 1048576);

/** The scrape to diff a row's GC against, or undefined if the process has no /metrics to read. */
export async function heapMark(baseUrl: string): Promise<Scrape | undefined> {
  return scrape(baseUrl).catch(() => undefined);
}

/** The heap after a row and its GC since `before` (both scrapes of the same process). */
export function heapSummary(before: Scrape, after: Scrape): HeapSummary {
  const space = (name: string) => mb(total(after, 'nodejs_heap_space_size_used_bytes', `space="${name}"`));
  const gcByKind: Record<string, number> = {};
  for (const key of after.keys()) {
    const kind = /^nodejs_gc_duration_seconds_sum\{kind="([^"]+)"/.exec(key)?.[1];
    if (kind) gcByKind[kind] = (after.get(key) ?? 0) - (before.get(key) ?? 0);
  }
  return {
    usedMb: mb(total(after, 'nodejs_heap_size_used_bytes')),
    newSpaceMb: space('new'),
    oldSpaceMb: space('old'),
    largeObjectMb: space('large_object'),
    codeMb: space('code'),
    externalMb: mb(total(after, 'nodejs_external_memory_bytes')),
    gcSeconds: Object.values(gcByKind).reduce((a, b) => a + b, 0),
    gcByKind,
  };
}

/** GC pauses between two scrapes, counted: how many, their total, and how many were longer than a bound. */
export interface GcPauses {
  pauses: number;
  pausedMs: number;
  /** Mark-compacts (kind "major"), however long. */
  majors: number;
  overBound: number;
  /** Of those over the bound, the mark-compacts (kind "major"). */
  majorOverBound: number;
}

const GC = 'nodejs_gc_duration_seconds';

/**
 * The pauses of prom-client's GC histogram (every kind: scavenges, incremental marking steps, mark-compacts)
 * between two scrapes of one process, and how many lasted over `boundSeconds`: exact when that is one of the
 * histogram's bucket bounds (0.001, 0.01, 0.1, 1, 2, 5), NaN otherwise.
 */
export function gcPauses(before: Scrape, after: Scrape, boundSeconds = 0.01): GcPauses {
  const over = (...labels: string[]) => {
    const n = count(before, after, GC, ...labels);
    return n === 0 ? 0 : Math.round(n * (1 - shareWithin(before, after, GC, boundSeconds, ...labels)));
  };
  return {
    pauses: count(before, after, GC),
    pausedMs: increase(before, after, `${GC}_sum`) * 1000,
    majors: count(before, after, GC, 'kind="major"'),
    overBound: over(),
    majorOverBound: over('kind="major"'),
  };
}
