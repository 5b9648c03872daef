import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { requireUser } from '../../../platform/http/request-context.js';
import type { OrdersDomain } from '../domain/orders.js';
import { CheckoutBody, ListQuery, OrderParams } from './schemas.js';

/**
 * Checkout answers 202 at once with Location of the order's status resource
 * (the saga runs in the background); Idempotency-Key is required
 * (platform/http/plugins/idempotency.ts replays the first answer).
 */
export function ordersRoutes(orders: OrdersDomain): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.post('/orders', { config: { auth: 'required', idempotency: true }, schema: { body: CheckoutBody } }, async (request, reply) => {
      const order = await orders.place(requireUser(request), request.body.order.note ?? null);
      return reply.code(202).header('location', `/api/orders/${order.id}`).header('retry-after', '1').send({ order });
    });
    app.get('/orders/:id', { config: { auth: 'required' }, schema: { params: OrderParams } }, async (request) => ({
      order: await orders.get(requireUser(request), request.params.id),
    }));
    app.get('/orders', { config: { auth: 'required' }, schema: { querystring: ListQuery } }, async (request) =>
      orders.list(requireUser(request), request.query.limit ?? 20, request.query.cursor),
    );
  };
}
