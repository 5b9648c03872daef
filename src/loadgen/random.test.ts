import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prng, zipf } from './random.js';

test('prng is deterministic per seed', () => {
  const a = prng(7);
  const b = prng(7);
  assert.deepEqual([a(), a(), a()], [b(), b(), b()]);
});

test('zipf(s=1) draws rank 0 about twice as often as rank 1 and covers the tail', () => {
  const draw = zipf(100, 1, prng(1));
  const counts = new Array<number>(100).fill(0);
  for (let i = 0; i < 100_000; i++) counts[draw()]!++;
  const ratio = counts[0]! / counts[1]!;
  assert.ok(ratio > 1.8 && ratio < 2.2, `rank0/rank1 = ${ratio}`);
  assert.ok(counts[99]! > 0);
});
