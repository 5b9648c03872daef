import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { authRequired, requireUser } from '../../../platform/http/request-context.js';
import { attributeWritesTo } from '../../../platform/db/statement-scope.js';
import type { AuthenticatedUser, UsersDomain } from '../domain/users.js';
import { LoginBody, RegisterBody, UpdateBody } from './schemas.js';

/** RealWorld's User response. */
function userJson({ user, token }: AuthenticatedUser) {
  return { user: { email: user.email, token, username: user.username, bio: user.bio, image: user.image } };
}

const noStore = { 'cache-control': 'no-store' };

export function usersRoutes(users: UsersDomain): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.post('/users', { schema: { body: RegisterBody } }, async (request, reply) => {
      const result = await users.register(request.body.user);
      // The new user's first read, from any process, must see the row just written (read replicas).
      attributeWritesTo(result.user.id);
      return reply.code(201).headers(noStore).send(userJson(result));
    });

    app.post('/users/login', { schema: { body: LoginBody } }, async (request, reply) => {
      const { email, password } = request.body.user;
      return reply.headers(noStore).send(userJson(await users.login(email, password)));
    });

    app.get('/user', authRequired, async (request, reply) => {
      return reply.headers(noStore).send(userJson(await users.current(requireUser(request))));
    });

    app.put('/user', { ...authRequired, schema: { body: UpdateBody } }, async (request, reply) => {
      const userId = requireUser(request);
      return reply.headers(noStore).send(userJson(await users.update(userId, request.body.user)));
    });

    // Not in the RealWorld spec: deletes the signed-in user's account; social removes their content on the event.
    app.delete('/user', authRequired, async (request, reply) => {
      await users.delete(requireUser(request));
      return reply.code(204).headers(noStore).send();
    });
  };
}
