import { Pool } from 'undici';
import type { RemoteEndpoints } from '../service-module.js';

/**
 * Keep-alive pools (undici) to a remote service's current replicas, for the typed HTTP clients: one pool per
 * replica, taken in turn; pools of replicas that left are closed (their in-flight calls finish first).
 */
export class ReplicaPools {
  private readonly pools = new Map<string, Pool>();
  private turn = 0;

  constructor(private readonly endpoints: RemoteEndpoints) {}

  /** The current replicas' pools, rotated so successive calls start at the next replica. */
  inTurn(): Pool[] {
    const urls = this.endpoints.urls();
    for (const [url, pool] of this.pools) {
      if (!urls.includes(url)) {
        this.pools.delete(url);
        void pool.close().catch(() => {});
      }
    }
    const current = urls.map((url) => {
      let pool = this.pools.get(url);
      if (!pool) this.pools.set(url, (pool = new Pool(url, { connections: 16, keepAliveTimeout: 4000 })));
      return pool;
    });
    const start = this.turn++ % Math.max(1, current.length);
    return [...current.slice(start), ...current.slice(0, start)];
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}

/** A failure to reach a replica (not an answer from it): the call may move on to the next replica. */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT'].includes(code);
}

/** The replica did not answer (headers or body) within the call's timeout: the caller answers 504, not a bare error. */
export function isTimeoutError(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}
