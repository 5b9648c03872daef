import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';

/** One request autocannon sends; `next` may vary it per request (path, headers, body). */
export interface LoadSpec {
  /** Label in the table. */
  endpoint: string;
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A status that is the success of this endpoint besides 2xx (a redirect's 302). */
  expectStatus?: number;
  /** Called before each request with a running counter; returns what changes. */
  next?: (i: number) => { path?: string; headers?: Record<string, string>; body?: string };
}

export interface LoadSettings {
  connections: number;
  durationSeconds: number;
  /** Seconds of unrecorded load first (JIT, caches, pools). */
  warmupSeconds: number;
}

export interface LoadResult {
  endpoint: string;
  requests: number;
  reqPerSec: number;
  /** Latency percentiles in ms, from every response's own timing (autocannon's histogram rounds to 1 ms). */
  p50: number;
  p99: number;
  /** Non-2xx responses + socket errors + timeouts. */
  errors: number;
  /** Status -> count for anything not 2xx, and the first such body, for diagnosis. */
  failures: { statuses: Record<string, number>; sample: string | null };
}

/**
 * autocannon with `connections` keep-alive connections for `durationSeconds`.
 * Every endpoint (the hello-world baseline too) goes through this same path,
 * setupRequest and onResponse included, so their costs cancel in ratios.
 */
export async function measure(spec: LoadSpec, settings: LoadSettings): Promise<LoadResult> {
  let counter = 0;
  const statuses: Record<string, number> = {};
  let sample: string | null = null;
  const latencies: number[] = [];
  const options: autocannon.Options & { warmup?: { connections: number; duration: number } } = {
    url: spec.url,
    connections: settings.connections,
    duration: settings.durationSeconds,
    pipelining: 1,
    timeout: 10,
    ...(settings.warmupSeconds > 0 ? { warmup: { connections: settings.connections, duration: settings.warmupSeconds } } : {}),
    requests: [
      {
        method: spec.method ?? 'GET',
        path: spec.path,
        headers: spec.headers ?? {},
        ...(spec.body !== undefined ? { body: spec.body } : {}),
        setupRequest: (req) => {
          const change = spec.next?.(counter++);
          if (!change) return req;
          return {
            ...req,
            ...(change.path !== undefined ? { path: change.path } : {}),
            ...(change.headers !== undefined ? { headers: { ...req.headers, ...change.headers } } : {}),
            ...(change.body !== undefined ? { body: change.body } : {}),
          };
        },
        onResponse: (status, body) => {
          if ((status >= 200 && status < 300) || status === spec.expectStatus) return;
          statuses[status] = (statuses[status] ?? 0) + 1;
          sample ??= `${status} ${String(body).slice(0, 300)}`;
        },
      },
    ],
  };
  // Without a callback autocannon returns its tracker, an EventEmitter that is also thenable.
  const instance = autocannon(options) as unknown as EventEmitter & PromiseLike<autocannon.Result>;
  // Emitted for the measured phase only (the warm-up has its own emitter).
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  return {
    endpoint: spec.endpoint,
    requests: result.requests.total,
    reqPerSec: result.requests.average,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors: (spec.expectStatus === undefined ? result.non2xx : Object.values(statuses).reduce((a, b) => a + b, 0)) + result.errors + result.timeouts,
    failures: { statuses, sample },
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}
