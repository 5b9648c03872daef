import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { CatalogClient } from '../../../contracts/catalog.js';
import { errors } from '../../../platform/errors/catalog.js';
import type { GrpcAddressAnswer } from '../../../platform/grpc/internal-grpc.js';

const IdParams = Type.Object({ id: Type.String({ pattern: '^[1-9]\\d{0,15}$' }) });
// Loose on purpose: the reservations domain validates id, product and quantity, so a caller gets the same
// AppError over HTTP as in process (not the schema validator's wording).
const ReservationParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
const ReserveBody = Type.Object(
  { reservation: Type.Object({ productId: Type.Number(), quantity: Type.Number(), id: Type.Optional(Type.String({ maxLength: 200 })) }) },
);

/**
 * The catalog's contract over HTTP, for callers in other processes (orders
 * in `--topology services`): the runtime mounts it at /internal/catalog,
 * signed calls only; the gateway never routes /internal. The HTTP twin of
 * catalog-client.ts; the domain's AppErrors (out of stock 409, not found 404,
 * validation 422) go back as they are, for http-catalog-client.ts to rebuild.
 */
export function internalRoutes(client: CatalogClient, grpcPort: () => number | undefined = () => undefined): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    // Where this replica serves the same contract over gRPC (INTERNAL_TRANSPORT=grpc): the gRPC client asks once per replica.
    app.get('/grpc', async () => {
      const port = grpcPort();
      if (port === undefined) throw errors.notFound('grpc');
      return { grpc: { port } } satisfies GrpcAddressAnswer;
    });
    app.get('/products/:id', { schema: { params: IdParams } }, async (request) => {
      const product = await client.product(Number(request.params.id));
      if (!product) throw errors.notFound('product');
      return { product };
    });
    app.post('/reservations', { schema: { body: ReserveBody } }, async (request) => ({
      reservation: await client.reserve(request.body.reservation),
    }));
    app.post('/reservations/:id/release', { schema: { params: ReservationParams } }, async (request) => ({
      reservation: await client.release(request.params.id),
    }));
    app.post('/reservations/:id/commit', { schema: { params: ReservationParams } }, async (request) => ({
      reservation: await client.commit(request.params.id),
    }));
  };
}
