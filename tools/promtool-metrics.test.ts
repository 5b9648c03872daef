/**
 * Every metric the alert rules, the recording rules and the Grafana
 * dashboards read exists in a running system's /metrics after a short load
 * (or is a recording rule's output, or Prometheus's own `up` / `ALERTS`), so
 * a renamed metric cannot leave a dashboard blank or an alert silently dead.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../src/testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../src/testing/test-system.js';
import { expressions, metricNames, recordedNames } from './promtool.js';
import { shortLoad } from './testing/short-load.js';

const PROMETHEUS_OWN = new Set(['up', 'ALERTS']);
const [pglite] = await dbTargets();

describe('metric names in rules and dashboards', () => {
  let sys: TestSystem;
  let exposition: string;

  before(async () => {
    sys = await startTestSystem(pglite!);
    await shortLoad(sys.api);
    exposition = await (await fetch(new URL('/metrics', sys.url))).text();
  });
  after(async () => {
    await sys?.close();
  });

  it('finds the expressions (rules and five dashboards)', () => {
    const exprs = expressions();
    assert.ok(exprs.length > 60, `expressions found: ${exprs.length}`);
    assert.ok(exprs.some((e) => e.includes('$__rate_interval')), 'dashboard expressions are included');
  });

  it('every metric they read is exported by the system, recorded by a rule, or Prometheus\'s own', () => {
    const types = new Map<string, string>();
    for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(m[1]!, m[2]!);
    const exported = (name: string) => {
      if (types.has(name)) return true;
      const base = /^(.*)_(bucket|count|sum)$/.exec(name)?.[1];
      return base !== undefined && ['histogram', 'summary'].includes(types.get(base) ?? '');
    };
    const recorded = recordedNames();
    const missing = new Set<string>();
    for (const expr of expressions()) {
      for (const name of metricNames(expr)) {
        if (!exported(name) && !recorded.has(name) && !PROMETHEUS_OWN.has(name)) missing.add(`${name} (in: ${expr.trim().slice(0, 80)})`);
      }
    }
    assert.deepEqual([...missing], [], 'metrics read by rules or dashboards but missing from /metrics');
  });

  it('the load produced samples for the golden-signal, bus and cache families, not just their declarations', () => {
    for (const name of ['http_request_duration_seconds_bucket', 'http_requests_in_flight', 'db_statements_per_request_bucket', 'db_pool_connections',
      'bus_consumer_lag_seconds_bucket', 'bus_messages_handled_total', 'outbox_pending_messages', 'cache_hits_total', 'cache_misses_total',
      'nodejs_eventloop_lag_p99_seconds']) {
      assert.match(exposition, new RegExp(`^${name}[{ ]`, 'm'), `${name} has a sample`);
    }
    assert.match(exposition, /^http_request_duration_seconds_count\{service="social",route="\/api\/articles\/feed",method="GET",status="200"\}/m, 'the feed route, labelled with its service');
  });
});
