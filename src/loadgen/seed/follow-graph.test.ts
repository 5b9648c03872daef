import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prng } from '../random.js';
import { followGraph } from './follow-graph.js';

test('the follow graph has the requested average, no self or duplicate follows, and a heavy-tailed in-degree', () => {
  const users = 2000;
  const edges = followGraph(users, 10, prng(3));
  const average = edges.length / users;
  assert.ok(average > 8.5 && average < 11.5, `average out-degree ${average}`);
  const keys = new Set(edges.map(([a, b]) => `${a}>${b}`));
  assert.equal(keys.size, edges.length, 'duplicate follow');
  assert.ok(edges.every(([a, b]) => a !== b), 'self follow');
  const inDegree = new Array<number>(users).fill(0);
  for (const [, b] of edges) inDegree[b]!++;
  inDegree.sort((a, b) => b - a);
  const top1pct = inDegree.slice(0, users / 100).reduce((s, d) => s + d, 0);
  // Uniform choice would give the top 1% about 1-2% of follows; a power law gives them far more.
  assert.ok(top1pct / edges.length > 0.15, `top 1% of users hold ${((100 * top1pct) / edges.length).toFixed(1)}% of follows`);
});
