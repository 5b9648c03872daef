import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { authRequired, requireUser } from '../../../platform/http/request-context.js';
import type { CartDomain } from '../domain/cart.js';
import { AddItemBody, ChangeItemBody, ItemParams } from './schemas.js';

/** The signed-in user's cart: it has no id, so nobody can name another user's. */
export function cartRoutes(cart: CartDomain): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.get('/cart', authRequired, async (request) => ({ cart: await cart.view(requireUser(request)) }));
    app.post('/cart/items', { ...authRequired, schema: { body: AddItemBody } }, async (request, reply) => {
      const { productId, quantity } = request.body.item;
      return reply.code(201).send({ cart: await cart.add(requireUser(request), productId, quantity) });
    });
    app.put('/cart/items/:productId', { ...authRequired, schema: { params: ItemParams, body: ChangeItemBody } }, async (request) => ({
      cart: await cart.change(requireUser(request), request.params.productId, request.body.item.quantity),
    }));
    app.delete('/cart/items/:productId', { ...authRequired, schema: { params: ItemParams } }, async (request, reply) => {
      await cart.remove(requireUser(request), request.params.productId);
      return reply.code(204).send();
    });
  };
}
