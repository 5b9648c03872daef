import { randomUUID } from 'node:crypto';
import type { CatalogClient, ProductSummary, Reservation } from '../../contracts/catalog.js';
import { BODY_DIGEST_HEADER, bodyDigest, EMPTY_BODY_DIGEST, INTERNAL_SIG_HEADER, sign } from '../../platform/auth/gateway-identity.js';
import type { RemoteEndpoints } from '../../platform/runtime/service-module.js';
import { isConnectionError, isTimeoutError, ReplicaPools } from '../../platform/runtime/topologies/replica-pools.js';
import { AppError, errors } from '../../platform/errors/catalog.js';
import { CATALOG_CALL_TIMEOUT_MS, contractError } from './contract-errors.js';

/**
 * The catalog's contract for callers in another process (orders): signed
 * calls to /internal/catalog on keep-alive pools (undici), round-robin over
 * the replicas. Every call is safe to repeat: product() reads, release and
 * commit settle a reservation once, and reserve always carries an id (one is
 * made here when the caller gives none), so a retry after a lost answer
 * finds the reservation the first attempt made instead of taking stock twice.
 * A connection failure therefore moves on to the next replica; the domain's
 * AppErrors come back as the same AppErrors (out of stock 409, not found 404).
 */
export function createHttpCatalogClient(endpoints: RemoteEndpoints): CatalogClient & { close(): Promise<void> } {
  const pools = new ReplicaPools(endpoints);
  const timeoutMs = endpoints.callTimeoutMs ?? CATALOG_CALL_TIMEOUT_MS;

  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const target = `/internal/catalog${path}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const digest = payload === undefined ? EMPTY_BODY_DIGEST : bodyDigest(payload);
    const replicas = pools.inTurn();
    for (let attempt = 0; attempt < replicas.length * 2; attempt++) {
      const pool = replicas[attempt % replicas.length]!;
      try {
        // Signed per attempt: a retry is a new request, and a signature is only good for a few seconds.
        const headers: Record<string, string> = { [INTERNAL_SIG_HEADER]: sign(endpoints.secret, 'internal', { method, path: target, bodyDigest: digest }) };
        if (payload !== undefined) Object.assign(headers, { 'content-type': 'application/json', [BODY_DIGEST_HEADER]: digest });
        const res = await pool.request({ method, path: target, headers, body: payload, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
        if (res.statusCode === 503) {
          // A draining replica: the next one may serve it.
          await res.body.dump();
          continue;
        }
        const answer = (await res.body.json().catch(() => null)) as (T & { errors?: Record<string, string[]> }) | null;
        if (res.statusCode === 200 && answer) return answer;
        throw contractError(res.statusCode, res.headers['x-error-code'], answer?.errors);
      } catch (err) {
        if (isTimeoutError(err)) throw errors.timeout('catalog');
        if (!isConnectionError(err)) throw err;
      }
    }
    // Every replica refused the connection or was draining (or none is known yet): the catalog is unavailable.
    throw errors.upstreamUnavailable('catalog');
  }

  return {
    product: async (id) => {
      // What the in-process client answers for an id no product can have, without a call.
      if (!Number.isSafeInteger(id) || id < 1) return null;
      try {
        return (await call<{ product: ProductSummary }>('GET', `/products/${id}`)).product;
      } catch (err) {
        if (err instanceof AppError && err.code === 'SS_NOT_FOUND') return null;
        throw err;
      }
    },
    reserve: async ({ productId, quantity, id }) =>
      (await call<{ reservation: Reservation }>('POST', '/reservations', { reservation: { productId, quantity, id: id ?? randomUUID() } })).reservation,
    release: async (id) => (await call<{ reservation: Reservation }>('POST', `/reservations/${encodeURIComponent(id)}/release`)).reservation,
    commit: async (id) => (await call<{ reservation: Reservation }>('POST', `/reservations/${encodeURIComponent(id)}/commit`)).reservation,
    close: async () => {
      await pools.close();
    },
  };
}
