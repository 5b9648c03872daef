import type { Dispatcher } from 'undici';
import type { RequestSpec } from './scenarios/scenario.js';

/**
 * One request through undici's low-level dispatch API: no promise, no body
 * stream, the body discarded as it arrives (kept only, up to 500 bytes, when
 * the status is an error, to say what went wrong). This path is why the
 * generator gets close to autocannon's raw-socket rate; `pool.request()` with
 * a stream per response cost about a third of it.
 */
export type Done = (status: number, error: string | null, sample: string | null) => void;

const SAMPLE_BYTES = 500;

export function send(dispatcher: Dispatcher, spec: RequestSpec, path: string, done: Done): void {
  let status = 0;
  let sample: Buffer[] | null = null;
  let sampled = 0;
  // The legacy callbacks: undici 7's Pool hands queued requests to its Clients
  // without wrapping new-style (onResponseStart...) handlers, and rejects them.
  const handler: Dispatcher.DispatchHandler = {
    onConnect() {},
    onHeaders(statusCode) {
      status = statusCode;
      if (statusCode >= 400) sample = [];
      return true;
    },
    onData(chunk) {
      if (sample !== null && sampled < SAMPLE_BYTES) {
        sample.push(chunk);
        sampled += chunk.length;
      }
      return true;
    },
    onComplete() {
      if (status < 400) return done(status, null, null);
      done(status, `HTTP ${status}`, Buffer.concat(sample ?? []).toString('utf8', 0, SAMPLE_BYTES));
    },
    onError(err: Error & { code?: string }) {
      done(status, err.code ?? err.name, err.message);
    },
  };
  dispatcher.dispatch(
    {
      method: spec.method,
      path,
      ...(spec.headers ? { headers: spec.headers } : {}),
      ...(spec.body !== undefined ? { body: spec.body } : {}),
    },
    handler,
  );
}
