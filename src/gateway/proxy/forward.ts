import type { Dispatcher } from 'undici';
import type { Upstream } from '../upstreams/upstream.js';
import { UpstreamStatusError } from './upstream-error.js';

export interface Outgoing {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  timeoutMs: number;
  /** A stream (SSE): no limit between body chunks, only on the headers. */
  streaming?: boolean;
}

/**
 * One attempt on one replica, through its breaker. 502/503/504 count as
 * failures (the body is dropped); any other answer is a success and its
 * body is streamed to the client by the caller. inFlight covers the whole
 * exchange, body included, so least-connections sees real load.
 */
export async function forward(upstream: Upstream, out: Outgoing): Promise<Dispatcher.ResponseData> {
  upstream.inFlight++;
  let released = false;
  const release = () => {
    if (!released) {
      released = true;
      upstream.inFlight--;
    }
  };
  try {
    const res = await upstream.breaker.execute(async () => {
      const r = await upstream.pool.request({
        method: out.method,
        path: out.path,
        headers: out.headers,
        body: out.body ?? null,
        headersTimeout: out.timeoutMs,
        bodyTimeout: out.streaming ? 0 : out.timeoutMs,
      });
      if (r.statusCode === 502 || r.statusCode === 503 || r.statusCode === 504) {
        await r.body.dump().catch(() => {});
        throw new UpstreamStatusError(r.statusCode);
      }
      return r;
    });
    res.body.once('close', release);
    res.body.once('error', release);
    return res;
  } catch (err) {
    release();
    throw err;
  }
}
