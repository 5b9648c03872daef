import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { heapSummary } from './heap.js';

const MB = 1048576;
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
});
