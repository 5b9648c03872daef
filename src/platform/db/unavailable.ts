/**
 * The database refused this request's connection, so none of its statements ran: its connection limit is
 * reached (53300: every replica's pool, multiplied by the replicas an autoscaler adds, counts against one
 * max_connections), it is starting or recovering (57P03), or it could not be reached at all. The request can be
 * retried as it is: a 503, not the 500 of an unknown error. A connection lost mid-request is not among these
 * (a COMMIT may have landed), nor is a pool's own wait (the request queues, as it should under load).
 */
const REFUSED_SQLSTATES = new Set(['53300', '57P03', '08001', '08004']);
const REFUSED_SOCKET_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

export function isDatabaseRefusal(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return REFUSED_SQLSTATES.has(code) || REFUSED_SOCKET_CODES.has(code);
}
