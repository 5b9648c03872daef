/**
 * `--profile`: each measured system process runs under V8's own sampling
 * profiler (`node --cpu-prof`, no extra dependency), which writes one
 * `.cpuprofile` (Chrome DevTools / speedscope format) when the process exits.
 * The bench then cuts it into one profile per row by time: V8's profile
 * timestamps and `process.hrtime` both read CLOCK_MONOTONIC (µs vs ns), so a
 * row's window, taken in the bench process, selects exactly its samples.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../src/testing/cli-process.js';
import type { Report } from './report.js';
import type { CpuProfile } from './cpu-profile.js';
import { frameLabel, writeFlameGraph } from './flame-graph.js';

export const profiling = process.env['BENCH_PROFILE'] === '1';

/**
 * Node flags for a profiled child: samples every 200 µs (finer than the default 1 ms: rows are short).
 * Given on the command line: Node 20 refuses --cpu-prof in NODE_OPTIONS.
 */
export function profileNodeArgs(dir: string): string[] {
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200'];
}

/** Now on the profiler's clock (µs, CLOCK_MONOTONIC). */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * The newest process's main-thread profile. Node names them `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`
 * and writes one per thread: a worker's (tsx's loader, thread 1) sorts after the main thread's and is
 * all idle, so thread 0 is picked by name, not the last file.
 */
export async function newestProfile(dir: string): Promise<string | undefined> {
  const main = (await readdir(dir).catch(() => [] as string[]))
    .map((f) => ({ f, parts: /^CPU\.(\d+)\.(\d+)\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(f) }))
    .filter((x): x is { f: string; parts: RegExpExecArray } => x.parts !== null && x.parts[4] === '0')
    .sort((a, b) => a.parts[1]!.localeCompare(b.parts[1]!) || a.parts[2]!.localeCompare(b.parts[2]!) || Number(a.parts[3]) - Number(b.parts[3]));
  return main.length > 0 ? join(dir, main[main.length - 1]!.f) : undefined;
}

/** The samples of `[fromUs, toUs)` as a profile of their own (same nodes; hit counts recomputed). */
export function sliceProfile(profile: CpuProfile, fromUs: number, toUs: number): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let t = profile.startTime;
  let last = fromUs;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < fromUs || t >= toUs) continue;
    samples.push(profile.samples[i]!);
    timeDeltas.push(t - last);
    last = t;
  }
  const hits = new Map<number, number>();
  for (const id of samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  return { ...profile, startTime: fromUs, endTime: toUs, samples, timeDeltas, nodes: profile.nodes.map((n) => ({ ...n, hitCount: hits.get(n.id) ?? 0 })) };
}

/**
 * The profile without the nodes no sample of it touched (nor their descendants'): a row's slice keeps every
 * node of the whole process's tree, ~6 MB, when a few thousand carry its samples. Viewers draw the same graph.
 */
export function pruneProfile(profile: CpuProfile): CpuProfile {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keep = new Set<number>();
  for (const id of profile.samples) {
    for (let at: number | undefined = id; at !== undefined && !keep.has(at); at = parent.get(at)) keep.add(at);
  }
  const nodes = profile.nodes
    .filter((n) => keep.has(n.id))
    .map(({ positionTicks: _lines, ...n }) => ({ ...n, children: (n.children ?? []).filter((c) => keep.has(c)) }));
  return { ...profile, nodes };
}

/** Self time by function, heaviest first: the first thing to read in a profile. */
export function topFunctions(profile: CpuProfile, n = 12): Array<{ fn: string; share: number }> {
  const self = new Map<string, number>();
  for (const node of profile.nodes) {
    if (!node.hitCount) continue;
    const key = frameLabel(node);
    self.set(key, (self.get(key) ?? 0) + node.hitCount);
  }
  const total = profile.samples.length || 1;
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, n).map(([fn, count]) => ({ fn, share: count / total }));
}

/**
 * Writes one `.cpuprofile` per row window from the process's profile, and its flame graph beside it
 * (`.svg`, bench/lib/flame-graph.ts); returns the files and their top functions.
 */
export async function splitProfile(
  file: string,
  rows: Array<{ name: string; fromUs: number; toUs: number }>,
  outDir: string,
): Promise<Array<{ name: string; file: string; svg: string; top: Array<{ fn: string; share: number }> }>> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const out = [];
  for (const row of rows) {
    const slice = pruneProfile(sliceProfile(profile, row.fromUs, row.toUs));
    const name = row.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
    const target = join(outDir, `${name}.cpuprofile`);
    await writeFile(target, JSON.stringify(slice));
    out.push({ name: row.name, file: target, svg: await writeFlameGraph(target, row.name), top: topFunctions(slice) });
  }
  return out;
}

/**
 * The newest profile in `dir` cut into the given windows, each with its flame graph, and each window's heaviest
 * functions written to the report (what `--profile` adds to a benchmark's report).
 */
export async function reportProfiles(dir: string, windows: Array<{ name: string; fromUs: number; toUs: number }>, report: Report): Promise<void> {
  const file = await newestProfile(dir);
  if (!file) {
    report.text(`**--profile:** no .cpuprofile in ${dir} (the process did not exit cleanly?)`);
    return;
  }
  for (const row of await splitProfile(file, windows, dir)) {
    report.text(`CPU profile of ${row.name}: \`${relative(REPO_ROOT, row.file)}\`, flame graph \`${relative(REPO_ROOT, row.svg)}\` (self time, heaviest first):`);
    report.table(['function', 'self %'], row.top.map((t) => [t.fn, (t.share * 100).toFixed(1)]));
  }
}
