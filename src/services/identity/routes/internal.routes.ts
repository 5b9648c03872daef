import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { IdentityClient } from '../../../contracts/identity.js';
import { errors } from '../../../platform/errors/catalog.js';

const IdsQuery = Type.Object({ ids: Type.String({ pattern: '^\\d{1,15}(,\\d{1,15}){0,499}$' }) });
const IdParams = Type.Object({ id: Type.String({ pattern: '^[1-9]\\d{0,15}$' }) });
const UsernameParams = Type.Object({ username: Type.String({ minLength: 1, maxLength: 200 }) });

/**
 * identity's contract over HTTP, for callers in other processes (the
 * runtime mounts it at /internal/identity, signed calls only; the gateway
 * never routes /internal). The HTTP twin of identity-client.ts.
 */
export function internalRoutes(client: IdentityClient): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.get('/users', { schema: { querystring: IdsQuery } }, async (request) => {
      const ids = request.query.ids.split(',').map(Number);
      return { users: [...(await client.usersByIds(ids)).values()] };
    });
    app.get('/emails', { schema: { querystring: IdsQuery } }, async (request) => {
      const ids = request.query.ids.split(',').map(Number);
      return { emails: [...(await client.emailsByIds(ids))].map(([id, email]) => ({ id, email })) };
    });
    app.get('/users/:id/standing', { schema: { params: IdParams } }, async (request) => {
      const standing = await client.standing(Number(request.params.id));
      if (!standing) throw errors.notFound('user');
      return { standing };
    });
    app.get('/users/by-username/:username', { schema: { params: UsernameParams } }, async (request) => {
      const user = await client.userByUsername(request.params.username);
      if (!user) throw errors.notFound('user');
      return { user };
    });
  };
}
