import assert from 'node:assert/strict';
import type { Injector } from './injector.js';
import type { ApiResponse } from '../api-client.js';
import { assertErrorShape, assertNoStackTrace } from '../fixtures.js';
import type { FuzzRequest } from './request-arbitrary.js';

/** Longest a single fuzzed request may take before it counts as a hang (generous: the machine is shared). */
export const REQUEST_TIMEOUT_MS = Number(process.env['FUZZ_REQUEST_TIMEOUT_MS'] ?? 10_000);

/** The request, shortened for a failure message (bodies can be a megabyte). */
export function describeRequest(req: FuzzRequest): string {
  const cut = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);
  return `${req.method} ${cut(req.url)} headers=${cut(JSON.stringify(req.headers))} payload=${req.payload === undefined ? '(none)' : cut(JSON.stringify(req.payload))}`;
}

/** Sends `req` through app.inject; a request that takes longer than REQUEST_TIMEOUT_MS fails as a hang. */
export async function send(app: Injector, req: FuzzRequest): Promise<ApiResponse> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: no answer within ${REQUEST_TIMEOUT_MS} ms to ${describeRequest(req)}`)), REQUEST_TIMEOUT_MS);
  });
  try {
    const res = await Promise.race([
      app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, ...(req.payload !== undefined ? { payload: req.payload } : {}) }),
      hang,
    ]);
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : String(value));
    }
    let body: unknown = null;
    if (res.body.length > 0) {
      try {
        body = JSON.parse(res.body);
      } catch {
        body = res.body;
      }
    }
    return { status: res.statusCode, headers, body };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What every answer to any request must satisfy: no 5xx, no stack trace,
 * a 4xx in the catalog's error shape (JSON, `x-error-code`, `{"errors":
 * {field: [messages]}}`), and JSON for every 2xx under /api.
 */
export function assertWellBehaved(req: FuzzRequest, res: ApiResponse): void {
  const what = () => `${describeRequest(req)}\n→ ${res.status} ${JSON.stringify(res.body)?.slice(0, 500)}`;
  assert.ok(res.status < 500, `5xx: ${what()}`);
  try {
    assertNoStackTrace(res);
    if (res.status >= 400) assertErrorShape(res);
    else if (req.url.startsWith('/api/') && res.status !== 204 && res.status !== 304) {
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/, 'a 2xx under /api is JSON');
      assert.equal(typeof res.body, 'object', 'a 2xx under /api parses as JSON');
    }
  } catch (err) {
    throw new assert.AssertionError({ message: `${(err as Error).message}\n${what()}` });
  }
}
