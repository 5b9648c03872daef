/** An upstream answered 502/503/504 (or was draining): counted as a failure by its breaker. */
export class UpstreamStatusError extends Error {
  override name = 'UpstreamStatusError';
  constructor(readonly status: number) {
    super(`upstream answered ${status}`);
  }
}

export type FailureKind = 'refused' | 'reset' | 'timeout' | 'status' | 'breaker' | 'unsendable' | 'other';

/** What went wrong, for the retry decision: only 'refused', 'status' 503 and 'breaker' mean the request was never processed. */
export function classify(err: unknown): FailureKind {
  if (err instanceof UpstreamStatusError) return 'status';
  const name = (err as { name?: string }).name ?? '';
  if (name === 'BrokenCircuitError' || name === 'IsolatedCircuitError') return 'breaker';
  const code = (err as { code?: string }).code ?? '';
  // undici refused to send the request for its own shape (a header it does not allow): the client's fault, nothing was sent.
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') return 'unsendable';
  if (code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ENOTFOUND') return 'refused';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || name === 'TimeoutError') return 'timeout';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED') return 'reset';
  return 'other';
}

/** Whether another replica may be tried: safe methods on anything but a timeout; any method when the request provably did not run. */
export function retryable(method: string, err: unknown): boolean {
  const kind = classify(err);
  if (kind === 'refused' || kind === 'breaker') return true;
  if (kind === 'status') return (err as UpstreamStatusError).status === 503 || isSafe(method);
  if (kind === 'reset' || kind === 'other') return isSafe(method);
  return false;
}

export function isSafe(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}
