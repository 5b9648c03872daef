import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT, scriptArgs } from '../../src/testing/cli-process.js';
import { percentile } from './load.js';
import { closedLoop } from './closed-loop.js';
import { markdownTable } from './report.js';
import { forEachBounded, prng } from './pool.js';
import { unfinishedLags, type DueChunk } from './fanout-chunks.js';
import { benchSystemEnv, systemNodeOptions } from './system-env.js';

describe('bench helpers', () => {
  it('closedLoop counts every request started: errors, late answers and ones still pending, none dropped', async () => {
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const r = await closedLoop(
      4,
      200,
      async (_i, caller) => {
        if (caller === 0) return wait(10);
        if (caller === 1) return wait(10).then(() => Promise.reject(new Error('refused')));
        if (caller === 2) return wait(150); // its second answer lands after the end
        return new Promise(() => {}); // never answers
      },
      300,
    );
    assert.equal(r.unfinished, 1);
    assert.ok(r.errors >= 1, `errors ${r.errors}`);
    assert.ok(r.late >= 1, `late ${r.late}`);
    assert.ok(r.ok >= 1, `ok ${r.ok}`);
    assert.equal(r.requests, r.ok + r.errors + r.late + r.unfinished);
  });


  it('percentile is nearest-rank on sorted values', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 0.5), 50);
    assert.equal(percentile(values, 0.99), 99);
    assert.equal(percentile([7], 0.99), 7);
    assert.ok(Number.isNaN(percentile([], 0.5)));
  });

  it('markdownTable aligns numbers right and text left', () => {
    const table = markdownTable(['target', 'req/s'], [['pglite', 120], ['postgres', 4500]]);
    assert.equal(table, ['| target   | req/s |', '|----------|------:|', '| pglite   |   120 |', '| postgres |  4500 |'].join('\n'));
  });

  it('forEachBounded keeps at most `concurrency` in flight and visits every index once', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachBounded(50, 4, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      seen.push(i);
      inFlight--;
    });
    assert.equal(peak, 4);
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
    await assert.rejects(forEachBounded(10, 3, async (i) => { if (i === 5) throw new Error('boom'); }), /boom/);
  });

  it('BENCH_SYSTEM_ENV and BENCH_SYSTEM_NODE_ARGS: settings and node flags for the measured system, echoed only with flags of the user\'s, anything else refused', () => {
    assert.deepEqual(benchSystemEnv(' CACHE_REFRESH_AHEAD=0.8 ,REDIS_URL=redis://h:6379/0?a=b '), { CACHE_REFRESH_AHEAD: '0.8', REDIS_URL: 'redis://h:6379/0?a=b' });
    assert.throws(() => benchSystemEnv('CACHE_ENABLED'), /"CACHE_ENABLED" is not NAME=value/);
    assert.deepEqual(systemNodeOptions([], ''), {});
    assert.deepEqual(systemNodeOptions(['--cpu-prof'], ''), { nodeArgs: ['--cpu-prof'] }, 'the profiler alone prints nothing to echo');
    assert.deepEqual(systemNodeOptions(['--cpu-prof'], '  --trace-gc   --max-semi-space-size=32 '),
      { nodeArgs: ['--cpu-prof', '--trace-gc', '--max-semi-space-size=32'], echo: true });
    assert.throws(() => systemNodeOptions([], '--trace-gc evil.js'), /"evil.js" is not a node flag/);
  });

  it('prng is deterministic', () => {
    const a = prng(1);
    const b = prng(1);
    for (let i = 0; i < 5; i++) assert.equal(a(), b());
  });

  it('main.ts lists the benchmarks and exits 2 on an unknown name', () => {
    const run = spawnSync(process.execPath, [...scriptArgs('bench/main.ts'), 'no-such-benchmark'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /unknown benchmark: no-such-benchmark/);
    assert.match(run.stderr, /realworld/);
  });

  it('unfinishedLags counts every due chunk the histogram has not seen, from its publish time to the end', () => {
    const chunk = (articleId: number, publishedAt: number): DueChunk => ({ articleId, publishedAt, firstFollower: articleId * 10 });
    const due = [chunk(1, 1000), chunk(2, 2000), chunk(3, 3000), chunk(4, 4000)];
    // Two observed by the end scrape, one (article 4) still missing when read: one more was delivered in between.
    const lags = unfinishedLags(due, new Set([due[3]!]), 2, 5000);
    assert.deepEqual(lags.sort(), [1, 2], 'article 4 (missing, 1 s) and the newest delivered one, article 3 (2 s)');
    assert.equal(unfinishedLags(due, new Set(), 4, 5000).length, 0, 'all observed: nothing unfinished');
    assert.equal(unfinishedLags(due, new Set([due[0]!]), 4, 5000).length, 1, 'found missing counts even if the histogram holds a redelivery');
  });
});
