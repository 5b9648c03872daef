import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { adminRequired } from '../../../platform/http/request-context.js';
import type { ProductsDomain } from '../domain/products.js';
import type { ProductSort } from '../domain/product-query.js';
import { ListQuery, NewProductBody, ProductParams, UpdateProductBody } from './schemas.js';

/** Public reads of the catalog; writes for admins only (the identify plugin checks the role, the gateway too). */
export function productsRoutes(products: ProductsDomain): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/products', { config: { httpCache: { shared: 10 } }, schema: { querystring: ListQuery } }, async (request) => {
      const { sort, ...rest } = request.query;
      return products.list({ ...rest, sort: sort as ProductSort | undefined });
    });

    app.get('/products/:id', { config: { httpCache: { shared: 30 } }, schema: { params: ProductParams } }, async (request) => ({
      product: await products.get(request.params.id),
    }));

    app.post('/products', { ...adminRequired, schema: { body: NewProductBody } }, async (request, reply) => {
      const { description = '', attributes = {}, stock = 0, ...rest } = request.body.product;
      const product = await products.create({ ...rest, description, attributes, stock });
      return reply.code(201).send({ product });
    });

    app.put('/products/:id', { ...adminRequired, schema: { params: ProductParams, body: UpdateProductBody } }, async (request) => ({
      product: await products.update(request.params.id, request.body.product),
    }));

    app.delete('/products/:id', { ...adminRequired, schema: { params: ProductParams } }, async (request, reply) => {
      await products.delete(request.params.id);
      return reply.code(204).send();
    });

    app.get('/categories', { config: { httpCache: { shared: 60 } } }, async () => ({ categories: await products.categories() }));
  };
}
