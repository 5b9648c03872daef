import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMetrics, quantileFromBuckets } from './scrape.js';

describe('autoscaler scrape', () => {
  it('parses the text format: names, labels (escaped quotes too), values; skips comments', () => {
    const samples = parseMetrics('# HELP x\n# TYPE x counter\nprocess_cpu_seconds_total 1.5\nhttp_requests_in_flight{service="social"} 3\nweird{a="q\\"uote",le="+Inf"} 7\n');
    assert.deepEqual(samples, [
      { name: 'process_cpu_seconds_total', labels: {}, value: 1.5 },
      { name: 'http_requests_in_flight', labels: { service: 'social' }, value: 3 },
      { name: 'weird', labels: { a: 'q\\"uote', le: '+Inf' }, value: 7 },
    ]);
  });

  it('p99 from cumulative buckets interpolates inside the bucket, as histogram_quantile does', () => {
    // 100 requests: 90 under 10 ms, 9 between 10 and 100 ms, 1 between 100 ms and 1 s.
    const b = new Map([[0.01, 90], [0.1, 99], [1, 100], [Infinity, 100]]);
    assert.equal(quantileFromBuckets(b, 0.99), 0.1);
    assert.ok(Math.abs(quantileFromBuckets(b, 0.95) - 0.06) < 1e-9);
    assert.equal(quantileFromBuckets(new Map([[0.1, 0], [Infinity, 0]]), 0.99), 0);
  });
});
