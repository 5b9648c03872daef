import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hash64, hashIndex, jumpHash } from './hash-strategy.js';
import { rangeStrategy } from './range-strategy.js';
import { readShardConfig } from './shard-config.js';
import { scatterGather } from './scatter-gather.js';
import type { Shard } from './shard-map.js';
import type { Database } from '../db/database.js';

test('jump hash: routing is pinned, so a change of hash function (which would strand every row) fails here', () => {
  // Values computed once; every process, machine and release must agree with them forever.
  const pinned = Object.fromEntries(['seller-1', 'seller-2', 'abc', '42', 'é'].map((k) => [k, [hashIndex(k, 3), hashIndex(k, 10)]]));
  assert.deepEqual(pinned, PINNED);
  assert.equal(hashIndex(42, 10), hashIndex('42', 10), 'a number routes like its decimal text');
  assert.equal(hashIndex(42n, 10), hashIndex('42', 10), 'a bigint routes like its decimal text');
});

test('jump hash: the same buckets as the paper\'s C++ reference (values from it, compiled with gcc)', () => {
  const reference: [bigint, number[]][] = [
    [0n, [0, 0, 0]],
    [1n, [0, 6, 549]],
    [42n, [2, 2, 571]],
    [0xdeadbeefcafebaben, [1, 4, 144]],
    [0xffffffffffffffffn, [2, 9, 313]],
    [123456789012345n, [2, 7, 76]],
  ];
  for (const [key, buckets] of reference) assert.deepEqual([3, 10, 1000].map((n) => jumpHash(key, n)), buckets, `key ${key}`);
});

test('jump hash: 30,000 keys spread within 5% of even over 3 and over 7 shards', () => {
  for (const shards of [3, 7]) {
    const counts = new Array<number>(shards).fill(0);
    for (let i = 0; i < 30_000; i++) counts[hashIndex(`key-${i}`, shards)]!++;
    const even = 30_000 / shards;
    for (const c of counts) assert.ok(Math.abs(c - even) / even < 0.05, `${shards} shards: ${counts.join(', ')}`);
  }
});

test('jump hash: going from 3 to 4 shards moves about a quarter of the keys, every one of them to the new shard', () => {
  let moved = 0;
  for (let i = 0; i < 20_000; i++) {
    const h = hash64(`key-${i}`);
    const before = jumpHash(h, 3);
    const after = jumpHash(h, 4);
    if (before !== after) {
      moved++;
      assert.equal(after, 3, `key-${i} moved from ${before} to ${after}, not to the new shard`);
    }
  }
  assert.ok(moved > 20_000 * 0.22 && moved < 20_000 * 0.28, `moved ${moved} of 20000`);
});

test('range: bounds split keys half-open ([b(i-1), b(i))); numeric bounds compare numbers, others strings', async () => {
  const numeric = rangeStrategy(['1000', '2000'], 3);
  const at = (s: typeof numeric, k: string | number) => s.shardIndex(k);
  assert.deepEqual(await Promise.all([-5, 0, 999, 1000, 1999, 2000, 10_000_000, '150'].map((k) => at(numeric, k))), [0, 0, 0, 1, 1, 2, 2, 0]);
  const text = rangeStrategy(['g', 'p'], 3);
  assert.deepEqual(await Promise.all(['a', 'f~', 'g', 'orange', 'p', 'zebra', '150'].map((k) => at(text, k))), [0, 0, 1, 1, 2, 2, 0]);
  assert.deepEqual(numeric.shardsForSpan!(1500, 2500), [1, 2]);
  assert.deepEqual(numeric.shardsForSpan!(undefined, 10), [0]);
  assert.deepEqual(text.shardsForSpan!('h', undefined), [1, 2]);
});

test('range: bad bounds and keys are refused with a message', async () => {
  assert.throws(() => rangeStrategy(['10'], 3), /3 shards need 2 range bound/);
  assert.throws(() => rangeStrategy(['20', '10'], 3), /ascend strictly/);
  assert.throws(() => rangeStrategy(['10', '10'], 3), /ascend strictly/);
  await assert.rejects(rangeStrategy(['10', '20'], 3).shardIndex('abc'), /numeric range shards need a numeric key/);
  await assert.rejects(rangeStrategy(['10', '20'], 3).shardIndex(Number.NaN), /finite/);
});

test('config: <NAME>_SHARDS and friends are read per map and bad values name the variable', () => {
  assert.deepEqual(readShardConfig('catalog', {}), { urls: [], strategy: 'hash', ranges: [], poolMax: 10 });
  assert.deepEqual(
    readShardConfig('short-links', { SHORT_LINKS_SHARDS: 'postgres://a/x, postgresql://b/y', SHORT_LINKS_SHARD_STRATEGY: 'range', SHORT_LINKS_SHARD_RANGES: 'm', SHORT_LINKS_SHARD_POOL_MAX: '4' }),
    { urls: ['postgres://a/x', 'postgresql://b/y'], strategy: 'range', ranges: ['m'], poolMax: 4 },
  );
  assert.throws(() => readShardConfig('catalog', { CATALOG_SHARDS: 'mysql://u:secret@h/db' }), (err: Error) => err.name === 'ConfigError' && /CATALOG_SHARDS/.test(err.message) && !err.message.includes('secret'));
  assert.throws(() => readShardConfig('catalog', { CATALOG_SHARDS: 'postgres://a/x,postgres://a/x' }), /CATALOG_SHARDS: a database is listed twice/);
  assert.throws(() => readShardConfig('catalog', { CATALOG_SHARD_STRATEGY: 'modulo' }), /CATALOG_SHARD_STRATEGY="modulo"/);
  assert.throws(() => readShardConfig('catalog', { CATALOG_SHARD_POOL_MAX: '0' }), /CATALOG_SHARD_POOL_MAX/);
});

test('scatter-gather: merges by the comparator, cuts at the limit, pages by cursor, collapses duplicates, refuses a bad limit', async () => {
  const data = [
    [9, 6, 3],
    [8, 5, 2],
    [7, 4, 1, 0],
  ];
  const shards: Shard[] = data.map((_, index) => ({ index, label: `s${index}`, db: { driver: 'pglite' } as Database }));
  const query = async (_db: Database, { shard, limit, after }: { shard: Shard; limit: number | undefined; after: number | undefined }) =>
    data[shard.index]!.filter((n) => after === undefined || n < after).slice(0, limit);
  const options = { compare: (a: number, b: number) => b - a, limit: 4, cursorOf: (n: number) => n };
  const first = await scatterGather(shards, query, options);
  assert.deepEqual(first, { rows: [9, 8, 7, 6], next: 6, fetched: [3, 3, 4] });
  const second = await scatterGather(shards, query, { ...options, after: first.next });
  assert.deepEqual(second.rows, [5, 4, 3, 2]);
  const last = await scatterGather(shards, query, { ...options, after: 2 });
  assert.deepEqual(last, { rows: [1, 0], next: undefined, fetched: [0, 0, 2] });
  const dup = await scatterGather(shards, async (_db, { shard }) => (shard.index === 2 ? [5, 1] : data[shard.index]!), { compare: (a: number, b: number) => b - a, distinctBy: String });
  assert.deepEqual(dup.rows, [9, 8, 6, 5, 3, 2, 1]);
  const only = await scatterGather(shards, query, { ...options, shards: [2] });
  assert.deepEqual(only.rows, [7, 4, 1, 0]);
  await assert.rejects(scatterGather(shards, query, { ...options, limit: -1 }), /limit must be a non-negative integer/);
  await assert.rejects(scatterGather(shards, query, { ...options, shards: [3] }), /no shard 3/);
});

const PINNED: Record<string, number[]> = { '42': [1, 1], 'seller-1': [0, 6], 'seller-2': [2, 5], 'é': [1, 1], abc: [2, 2] };
