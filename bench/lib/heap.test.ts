import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gcPauses, heapSummary } from './heap.js';

const MB = 1048576;
const GC = 'nodejs_gc_duration_seconds';
// Two scrapes of one process's /metrics (prom-client's default metrics), as bench/lib/prom.ts parses them.
const before = new Map([
  ['nodejs_gc_duration_seconds_sum{kind="minor"}', 1.25],
  ['nodejs_gc_duration_seconds_sum{kind="major"}', 0.5],
]);
const after = new Map([
  ['nodejs_heap_size_used_bytes', 110 * MB],
  ['nodejs_heap_space_size_used_bytes{space="new"}', 9 * MB],
  ['nodejs_heap_space_size_used_bytes{space="old"}', 86 * MB],
  ['nodejs_heap_space_size_used_bytes{space="new_large_object"}', 1 * MB],
  ['nodejs_heap_space_size_used_bytes{space="large_object"}', 10 * MB],
  ['nodejs_heap_space_size_used_bytes{space="code"}', 4 * MB],
  ['nodejs_external_memory_bytes', 142 * MB],
  ['nodejs_gc_duration_seconds_sum{kind="minor"}', 1.75],
  ['nodejs_gc_duration_seconds_sum{kind="major"}', 0.5],
  ['nodejs_gc_duration_seconds_sum{kind="incremental"}', 0.25],
]);

describe('heap summary per row', () => {
  it('reads the heap spaces after the row, each space by its exact name', () => {
    const heap = heapSummary(before, after);
    assert.deepEqual(
      [heap.usedMb, heap.newSpaceMb, heap.oldSpaceMb, heap.largeObjectMb, heap.codeMb, heap.externalMb],
      [110, 9, 86, 10, 4, 142],
    );
  });

  it('counts only the GC pauses between the two scrapes, by kind (a kind first seen after counts whole)', () => {
    const heap = heapSummary(before, after);
    assert.deepEqual(heap.gcByKind, { minor: 0.5, major: 0, incremental: 0.25 });
    assert.equal(heap.gcSeconds, 0.75);
  });

  it('counts the pauses between the two scrapes, the mark-compacts however short, and those over the bound', () => {
    // prom-client's buckets, cumulative: minor 40 pauses before, 70 after (one of the new ones over 10 ms);
    // major 1 before, 4 after (one new one within 10 ms, two over); an incremental marking step over 10 ms, its series new.
    const gc = (kind: string, counts: number[]) =>
      ['0.001', '0.01', '0.1', '1', '2', '5', '+Inf'].map((le, i): [string, number] => [`${GC}_bucket{le="${le}",kind="${kind}"}`, counts[i]!]);
    const a = new Map([...gc('minor', [10, 40, 40, 40, 40, 40, 40]), ...gc('major', [0, 1, 1, 1, 1, 1, 1]), [`${GC}_count{kind="minor"}`, 40], [`${GC}_count{kind="major"}`, 1], [`${GC}_sum{kind="minor"}`, 0.1], [`${GC}_sum{kind="major"}`, 0.005]]);
    const b = new Map([...gc('minor', [20, 69, 70, 70, 70, 70, 70]), ...gc('major', [0, 2, 4, 4, 4, 4, 4]), ...gc('incremental', [0, 0, 1, 1, 1, 1, 1]),
      [`${GC}_count{kind="minor"}`, 70], [`${GC}_count{kind="major"}`, 4], [`${GC}_count{kind="incremental"}`, 1],
      [`${GC}_sum{kind="minor"}`, 0.2], [`${GC}_sum{kind="major"}`, 0.035], [`${GC}_sum{kind="incremental"}`, 0.012]]);
    const pauses = gcPauses(a, b);
    assert.deepEqual({ ...pauses, pausedMs: Math.round(pauses.pausedMs) }, { pauses: 34, pausedMs: 142, majors: 3, overBound: 4, majorOverBound: 2 });
    assert.deepEqual(gcPauses(b, b), { pauses: 0, pausedMs: 0, majors: 0, overBound: 0, majorOverBound: 0 }, 'an empty window');
  });
});
