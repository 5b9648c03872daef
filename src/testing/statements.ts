import type { Registry } from 'prom-client';
import type { ApiClient } from './api-client.js';

export interface StatementTotals {
  /** SQL statements issued by requests to the route so far. */
  sum: number;
  /** Requests to the route recorded so far. */
  count: number;
}

/**
 * Reads db_statements_per_request for one route template from /metrics: the
 * SQL a route's requests issued, counted per request, so background work
 * (outbox relay, write-behind flushes) never counts against it.
 */
export async function statementsServed(api: ApiClient, route: string, method = 'GET'): Promise<StatementTotals> {
  const text = (await api.get<string>('/metrics')).body;
  const read = (series: 'sum' | 'count') => {
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`db_statements_per_request_${series}{`) && l.includes(`route="${route}"`) && l.includes(`method="${method}"`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };
  return { sum: read('sum'), count: read('count') };
}

/** Waits until `requests` more samples than `before` are recorded (a sample lands when its response finishes). */
export async function statementsAfter(api: ApiClient, route: string, before: StatementTotals, requests: number, method = 'GET'): Promise<StatementTotals> {
  for (let i = 0; i < 100; i++) {
    const now = await statementsServed(api, route, method);
    if (now.count >= before.count + requests) return now;
  }
  throw new Error(`${route}: fewer than ${requests} db_statements_per_request samples recorded`);
}

/** The same totals read from the system's own registry (a system started in this process): no request of its own to count. */
export async function statementsRecorded(registry: Registry, route: string, method = 'GET'): Promise<StatementTotals> {
  const metric = await registry.getSingleMetric('db_statements_per_request')?.get();
  const value = (series: 'sum' | 'count') =>
    metric?.values.find((v) => (v as { metricName?: string }).metricName === `db_statements_per_request_${series}` && v.labels['route'] === route && v.labels['method'] === method)?.value ?? 0;
  return { sum: value('sum'), count: value('count') };
}
