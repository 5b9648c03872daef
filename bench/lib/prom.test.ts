import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { quantile, total, type Scrape } from './prom.js';

const scrapeOf = (entries: Record<string, number>): Scrape => new Map(Object.entries(entries));

describe('bench prom helpers', () => {
  it('sums counters by label', () => {
    const s = scrapeOf({ 'w_total{strategy="push"}': 3, 'w_total{strategy="hybrid"}': 4, 'x_total': 9 });
    assert.equal(total(s, 'w_total'), 7);
    assert.equal(total(s, 'w_total', 'strategy="push"'), 3);
  });

  it('takes quantiles over the window between two scrapes', () => {
    const a = scrapeOf({ 'h_bucket{le="0.1"}': 10, 'h_bucket{le="1"}': 10, 'h_bucket{le="+Inf"}': 10 });
    const b = scrapeOf({ 'h_bucket{le="0.1"}': 10, 'h_bucket{le="1"}': 110, 'h_bucket{le="+Inf"}': 110 });
    assert.ok(Math.abs(quantile(a, b, 'h', 0.5) - 0.55) < 1e-9, 'the window holds 100 samples in (0.1, 1]');
    assert.ok(Number.isNaN(quantile(b, b, 'h', 0.99)));
  });
});
