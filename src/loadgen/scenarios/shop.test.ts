import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prng } from '../random.js';
import type { SeedData } from '../seed/seed-data.js';
import { shop } from './shop.js';
import { ScenarioError } from './scenario.js';

const seed = (products?: number[]): SeedData => ({
  version: 1, target: 'http://x', createdAt: '', password: 'p', articles: [], follows: 0,
  users: Array.from({ length: 20 }, (_, i) => ({ username: `u${i}`, email: `u${i}@x`, token: `t${i}`, followers: 0 })),
  ...(products ? { products } : {}),
});

test('shop: a checkout goes only to a user who was sent an add-to-cart before it (once per fill), with a fresh Idempotency-Key', () => {
  const next = shop.prepare({ seed: seed([3, 5, 8]), random: prng(1), path: '/' });
  const filled = new Set<string>();
  const keys = new Set<string>();
  const types = new Map<string, number>();
  for (let i = 0; i < 5000; i++) {
    const r = next();
    types.set(r.type, (types.get(r.type) ?? 0) + 1);
    const token = r.headers?.['authorization'];
    if (r.type === 'add-to-cart') {
      assert.ok([3, 5, 8].includes(JSON.parse(r.body!).item.productId));
      filled.add(token!);
    }
    if (r.type === 'checkout') {
      assert.ok(filled.delete(token!), 'checkout of a user with no cart filled since their last checkout');
      const key = r.headers!['idempotency-key']!;
      assert.ok(!keys.has(key), 'a key used twice');
      keys.add(key);
    }
  }
  assert.deepEqual([...types.keys()].sort(), ['add-to-cart', 'checkout', 'poll-order', 'product', 'products', 'search']);
  assert.ok(types.get('checkout')! > 150, `${types.get('checkout')} checkouts`);
});

test('shop: a seed without products says how to make one', () => {
  assert.throws(() => shop.prepare({ seed: seed(), random: prng(1), path: '/' }), ScenarioError);
});
