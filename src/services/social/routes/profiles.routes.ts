import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { authRequired, requireUser, viewerOf } from '../../../platform/http/request-context.js';
import { viewerDependent } from '../../../platform/http/http-cache.js';
import type { ProfilesDomain } from '../domain/profiles.js';
import { profileJson } from './presenters.js';
import { UsernameParams } from './schemas.js';

export function profilesRoutes(profiles: ProfilesDomain): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const schema = { params: UsernameParams };

    app.get('/profiles/:username', { ...viewerDependent, schema }, async (request) => ({
      profile: profileJson(await profiles.get(request.params.username, viewerOf(request))),
    }));

    app.post('/profiles/:username/follow', { ...authRequired, schema }, async (request) => ({
      profile: profileJson(await profiles.setFollowing(request.params.username, requireUser(request), true)),
    }));

    app.delete('/profiles/:username/follow', { ...authRequired, schema }, async (request) => ({
      profile: profileJson(await profiles.setFollowing(request.params.username, requireUser(request), false)),
    }));
  };
}
