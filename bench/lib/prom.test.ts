import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { count, cpuPerRequestUs, increase, increaseByLabel, quantile, quantileWith, shareWithin, total, type Scrape } from './prom.js';

const scrapeOf = (entries: Record<string, number>): Scrape => new Map(Object.entries(entries));

describe('bench prom helpers', () => {
  it('sums counters by label', () => {
    const s = scrapeOf({ 'w_total{strategy="push"}': 3, 'w_total{strategy="hybrid"}': 4, 'x_total': 9 });
    assert.equal(total(s, 'w_total'), 7);
    assert.equal(total(s, 'w_total', 'strategy="push"'), 3);
  });

  it('a counter\'s increase between two scrapes, by label', () => {
    const a = scrapeOf({ 'w_total{strategy="push"}': 3, 'w_total{strategy="hybrid"}': 4 });
    const b = scrapeOf({ 'w_total{strategy="push"}': 10, 'w_total{strategy="hybrid"}': 5 });
    assert.equal(increase(a, b, 'w_total'), 8);
    assert.equal(increase(a, b, 'w_total', 'strategy="push"'), 7);
  });

  it('a counter\'s increase per value of one label, other labels summed, new series counted from 0', () => {
    const a = scrapeOf({ 'm_total{cache="article",tier="l1"}': 2, 'm_total{cache="article",tier="l2"}': 1, 'm_total{cache="viewer"}': 5, 'n_total{cache="article"}': 50 });
    const b = scrapeOf({ 'm_total{cache="article",tier="l1"}': 6, 'm_total{cache="article",tier="l2"}': 4, 'm_total{cache="viewer"}': 5, 'm_total{tier="l1",cache="list"}': 3, 'm_total{tier="l1"}': 9, 'm_total{subcache="z"}': 4, 'n_total{cache="article"}': 70 });
    assert.deepEqual(Object.fromEntries(increaseByLabel(a, b, 'm_total', 'cache')), { article: 7, viewer: 0, list: 3 });
  });

  it('CPU µs per request: the process CPU between two scrapes over the requests answered in between, every route summed', () => {
    const a = scrapeOf({ process_cpu_seconds_total: 10, 'http_request_duration_seconds_count{route="/a"}': 100, 'http_request_duration_seconds_count{route="/b"}': 0 });
    const b = scrapeOf({ process_cpu_seconds_total: 12.5, 'http_request_duration_seconds_count{route="/a"}': 5_100, 'http_request_duration_seconds_count{route="/b"}': 5_000 });
    assert.equal(cpuPerRequestUs(a, b), 250);
    assert.equal(cpuPerRequestUs(b, b), undefined, 'no request, no figure');
  });

  it('takes quantiles over the window between two scrapes', () => {
    const a = scrapeOf({ 'h_bucket{le="0.1"}': 10, 'h_bucket{le="1"}': 10, 'h_bucket{le="+Inf"}': 10 });
    const b = scrapeOf({ 'h_bucket{le="0.1"}': 10, 'h_bucket{le="1"}': 110, 'h_bucket{le="+Inf"}': 110 });
    assert.ok(Math.abs(quantile(a, b, 'h', 0.5) - 0.55) < 1e-9, 'the window holds 100 samples in (0.1, 1]');
    assert.ok(Number.isNaN(quantile(b, b, 'h', 0.99)));
  });

  it('adds samples counted outside the histogram into its buckets', () => {
    const a = scrapeOf({});
    // 100 delivered in (0, 0.1]; 100 more unfinished at 5 s: the median sits at the top of the first bucket, p99 among the unfinished.
    const b = scrapeOf({ 'h_bucket{le="0.1"}': 100, 'h_bucket{le="1"}': 100, 'h_bucket{le="10"}': 100, 'h_bucket{le="+Inf"}': 100, h_count: 100 });
    const unfinished = Array.from({ length: 100 }, () => 5);
    assert.equal(quantile(a, b, 'h', 0.99), 0.099);
    assert.ok(quantileWith(a, b, 'h', 0.99, unfinished) > 1, 'p99 moves into the unfinished samples\' bucket');
    assert.ok(Math.abs(quantileWith(a, b, 'h', 0.5, unfinished) - 0.1) < 1e-9);
    assert.equal(count(a, b, 'h'), 100);
    assert.equal(quantileWith(a, a, 'h', 0.99, [2, 3, 4]), 4, 'no series yet: the extra samples alone');
  });

  it('gives the share of a window\'s samples within a bucket bound, over every matching series', () => {
    const a = scrapeOf({ 'h_bucket{le="0.01",route="/f",status="200"}': 50, 'h_bucket{le="+Inf",route="/f",status="200"}': 60 });
    const b = scrapeOf({
      'h_bucket{le="0.01",route="/f",status="200"}': 140, 'h_bucket{le="+Inf",route="/f",status="200"}': 160,
      'h_bucket{le="0.01",route="/f",status="500"}': 7, 'h_bucket{le="+Inf",route="/f",status="500"}': 10,
      'h_bucket{le="0.01",route="/g",status="200"}': 0, 'h_bucket{le="+Inf",route="/g",status="200"}': 1000,
    });
    // The window: 90 of 100 (200s) and 7 of 10 (500s) within 10 ms; route /g is not counted.
    assert.equal(shareWithin(a, b, 'h', 0.01, 'route="/f"'), 97 / 110);
    assert.ok(Number.isNaN(shareWithin(a, b, 'h', 0.02, 'route="/f"')), 'not a bucket bound: no answer, not a guess');
    assert.ok(Number.isNaN(shareWithin(b, b, 'h', 0.01, 'route="/f"')), 'an empty window');
  });
});
