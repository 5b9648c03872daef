import type { CatalogClient } from '../../../contracts/catalog.js';
import { startInternalGrpcServer, type InternalGrpcServer } from '../../../platform/grpc/internal-grpc.js';
import type { SignatureWindow } from '../../../platform/auth/gateway-identity.js';
import type { Registry } from 'prom-client';
import { CATALOG_PROTO, CATALOG_GRPC_SERVICE } from '../catalog-proto.js';

/**
 * The catalog's contract over gRPC (INTERNAL_TRANSPORT=grpc), the twin of
 * internal.routes.ts: the same client underneath, so the same AppErrors (the
 * platform's server carries them in the trailers) and the same validation
 * (the numbers reach the reservations domain as sent).
 */
export function startCatalogGrpc(client: CatalogClient, settings: { secret: string; window: SignatureWindow; host: string; port: number; registry?: Registry }): Promise<InternalGrpcServer> {
  const ref = (request: Record<string, unknown>) => String(request['id'] ?? '');
  return startInternalGrpcServer({
    protoPath: CATALOG_PROTO,
    service: CATALOG_GRPC_SERVICE,
    ...settings,
    handlers: {
      GetProduct: async (request) => ({ product: await client.product(Number(request['id'])) }),
      Reserve: async (request) => ({
        reservation: await client.reserve({ productId: Number(request['productId']), quantity: Number(request['quantity']), id: ref(request) || undefined }),
      }),
      Release: async (request) => ({ reservation: await client.release(ref(request)) }),
      Commit: async (request) => ({ reservation: await client.commit(ref(request)) }),
    },
  });
}
