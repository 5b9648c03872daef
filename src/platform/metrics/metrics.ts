import { Registry, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per running system (not prom-client's global one), so tests
 * can run several systems in one process without their series mixing.
 */
export interface Metrics {
  registry: Registry;
  /** `service`: the service that mounted the route ('platform' for /healthz, /metrics; 'none' when no route matched). */
  httpDuration: Histogram<'service' | 'route' | 'method' | 'status'>;
  /** Requests being served now: saturation of this process. */
  inFlight: InFlight;
  /** SQL statements one request issued: a route whose count grows with page size has an N+1. */
  dbStatements: Histogram<'route' | 'method'>;
}

/** Counted in plain numbers and read at scrape time: two labelled gauge updates per request cost more than the count. */
export interface InFlight {
  started(service: string): void;
  finished(service: string): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by service, route template, method and status',
    labelNames: ['service', 'route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const dbStatements = new Histogram({
    name: 'db_statements_per_request',
    help: 'SQL statements issued while serving one request, by route template',
    labelNames: ['route', 'method'] as const,
    buckets: [0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 50, 100],
    registers: [registry],
  });
  const inFlightNow = new Map<string, number>();
  new Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests received and not yet answered, by service',
    labelNames: ['service'] as const,
    registers: [registry],
    collect() {
      for (const [service, count] of inFlightNow) this.set({ service }, count);
    },
  });
  const inFlight: InFlight = {
    started: (service) => inFlightNow.set(service, (inFlightNow.get(service) ?? 0) + 1),
    finished: (service) => inFlightNow.set(service, (inFlightNow.get(service) ?? 1) - 1),
  };
  return { registry, httpDuration, inFlight, dbStatements };
}
