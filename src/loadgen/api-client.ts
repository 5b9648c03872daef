import { Pool } from 'undici';

/**
 * A minimal JSON client for the Conduit API on one keep-alive pool, used by
 * seeding and scenario set-up (not by the measured requests, which the engine
 * sends itself).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

export interface JsonClient {
  post<T>(path: string, body: unknown, token?: string): Promise<T>;
  get<T>(path: string, token?: string): Promise<T>;
  close(): Promise<void>;
}

const MAX_RETRIES = 5;
const MAX_WAIT_S = 10;

export function jsonClient(target: string, connections: number): JsonClient {
  const url = new URL(target);
  const prefix = url.pathname.replace(/\/$/, '');
  const pool = new Pool(url.origin, { connections, pipelining: 1, headersTimeout: 60_000, bodyTimeout: 60_000 });
  const call = async <T>(method: 'GET' | 'POST', path: string, body: unknown, token?: string, attempt = 0): Promise<T> => {
    const headers: Record<string, string> = {};
    if (token) headers['authorization'] = `Token ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await pool.request({
      method,
      path: prefix + path,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.body.text();
    if (res.statusCode === 429) {
      // Short waits are ridden out; a long one (the hourly register limit) would stall seeding for an hour.
      const wait = Number(res.headers['retry-after'] ?? NaN);
      if (attempt < MAX_RETRIES && Number.isFinite(wait) && wait <= MAX_WAIT_S) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0.05, wait) * 1000));
        return call<T>(method, path, body, token, attempt + 1);
      }
      throw new ApiError(429, text, `${method} ${path} (rate limited: start the system with RATE_LIMIT_ENABLED=false or looser RATE_LIMITS to seed)`);
    }
    if (res.statusCode >= 300) throw new ApiError(res.statusCode, text, `${method} ${path}`);
    return (text ? JSON.parse(text) : null) as T;
  };
  return {
    post: (path, body, token) => call('POST', path, body, token),
    get: (path, token) => call('GET', path, undefined, token),
    close: () => pool.close(),
  };
}

/** Runs fn(0..count-1) with at most `concurrency` in flight; rejects with the first failure. */
export async function forEachBounded(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | null = null;
  const worker = async () => {
    while (failed === null && next < count) {
      const i = next++;
      try {
        await fn(i);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(0, Math.min(concurrency, count)) }, worker));
  if (failed !== null) throw (failed as { error: unknown }).error;
}
