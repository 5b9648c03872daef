import { randomUUID } from 'node:crypto';
import type { CatalogClient, ProductSummary, Reservation } from '../../contracts/catalog.js';
import type { RemoteEndpoints } from '../../platform/runtime/service-module.js';
import { appErrorOf, GrpcReplicas, GrpcStatus, loadGrpcService, type GrpcServiceError } from '../../platform/grpc/internal-grpc.js';
import { AppError, errors } from '../../platform/errors/catalog.js';
import { CATALOG_PROTO, CATALOG_GRPC_SERVICE } from './catalog-proto.js';
import { CATALOG_CALL_TIMEOUT_MS, contractError } from './contract-errors.js';

/**
 * The catalog's contract for callers in another process over gRPC
 * (INTERNAL_TRANSPORT=grpc): the twin of http-catalog-client.ts with the same
 * promises. Signed calls with a 2 s deadline (SS_TIMEOUT past it), round-robin
 * over the replicas (found by their HTTP URLs, see GrpcReplicas); a replica
 * that cannot be reached or is draining (UNAVAILABLE) passes the call to the
 * next, which is safe because every call is idempotent (reserve always carries
 * an id); none left: SS_UPSTREAM_UNAVAILABLE. The domain's AppErrors come back
 * as the same AppErrors, anything else as the catalog being unavailable.
 */
export function createGrpcCatalogClient(endpoints: RemoteEndpoints): CatalogClient & { close(): Promise<void> } {
  const replicas = new GrpcReplicas('catalog', CATALOG_GRPC_SERVICE, loadGrpcService(CATALOG_PROTO, CATALOG_GRPC_SERVICE), endpoints);

  async function call<T>(method: string, request: object): Promise<T> {
    const urls = replicas.inTurn();
    for (let attempt = 0; attempt < urls.length * 2; attempt++) {
      const url = urls[attempt % urls.length]!;
      try {
        return await replicas.call<T>(await replicas.channel(url), method, request, endpoints.callTimeoutMs ?? CATALOG_CALL_TIMEOUT_MS);
      } catch (err) {
        const status = (err as Partial<GrpcServiceError>).code;
        if (typeof status !== 'number') continue; // its gRPC port not found: the next replica
        if (status === GrpcStatus.DEADLINE_EXCEEDED) throw errors.timeout('catalog');
        const carried = appErrorOf(err as GrpcServiceError);
        // Unreachable or draining (its own 503): the next replica may serve it.
        if (status === GrpcStatus.UNAVAILABLE && (!carried || carried.status === 503)) {
          // Not answering at all: its port is asked again next time (a replica restarted in place may have another).
          if (!carried) replicas.forget(url);
          continue;
        }
        throw contractError(carried?.status ?? 503, carried?.code, carried?.fields);
      }
    }
    throw errors.upstreamUnavailable('catalog');
  }

  const reservation = (reply: { reservation: Reservation }) => reply.reservation;
  return {
    product: async (id) => {
      if (!Number.isSafeInteger(id) || id < 1) return null;
      try {
        return (await call<{ product?: ProductSummary | null }>('GetProduct', { id })).product ?? null;
      } catch (err) {
        if (err instanceof AppError && err.code === 'SS_NOT_FOUND') return null;
        throw err;
      }
    },
    reserve: async ({ productId, quantity, id }) => reservation(await call('Reserve', { productId, quantity, id: id ?? randomUUID() })),
    release: async (id) => reservation(await call('Release', { id })),
    commit: async (id) => reservation(await call('Commit', { id })),
    close: () => replicas.close(),
  };
}
