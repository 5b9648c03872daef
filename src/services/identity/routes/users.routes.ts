import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { authRequired, requireUser } from '../../../platform/http/request-context.js';
import { attributeWritesTo } from '../../../platform/db/statement-scope.js';
import type { AuthenticatedUser, UsersDomain } from '../domain/users.js';
import type { RefreshTokens } from '../domain/refresh-tokens.js';
import { LoginBody, RefreshBody, RegisterBody, UpdateBody } from './schemas.js';

/** RealWorld's User response, plus `refreshToken` when one was issued (sign-in, registration, refresh, new password). */
function userJson({ user, token, refreshToken }: AuthenticatedUser) {
  return {
    user: { email: user.email, token, username: user.username, bio: user.bio, image: user.image, ...(refreshToken ? { refreshToken } : {}) },
  };
}

const noStore = { 'cache-control': 'no-store' };

export function usersRoutes(users: UsersDomain, refreshTokens: RefreshTokens): FastifyPluginAsync {
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

    // Not in the RealWorld spec (docs/patterns/refresh-tokens.md): the refresh token authenticates, not a JWT.
    app.post('/users/refresh', { schema: { body: RefreshBody } }, async (request, reply) => {
      return reply.headers(noStore).send(userJson(await refreshTokens.rotate(request.body.refreshToken)));
    });

    // Signs out one session: the caller's refresh token family is revoked (204); another's or an unknown one is 404.
    app.post('/users/logout', { ...authRequired, schema: { body: RefreshBody } }, async (request, reply) => {
      await refreshTokens.logout(requireUser(request), request.body.refreshToken);
      return reply.code(204).headers(noStore).send();
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
