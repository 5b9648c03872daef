import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { authRequired, requireUser } from '../../../platform/http/request-context.js';
import type { NotificationsDomain } from '../domain/notifications.js';
import type { PreferencesDomain } from '../domain/preferences.js';
import { ListQuery, PreferencesBody, ReadBody } from './schemas.js';

export function notificationsRoutes(notifications: NotificationsDomain, preferences: PreferencesDomain): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const noStore = { 'cache-control': 'no-store' };

    app.get('/notifications', { ...authRequired, schema: { querystring: ListQuery } }, async (request, reply) => {
      void reply.headers(noStore);
      return notifications.page(requireUser(request), request.query.before, request.query.limit);
    });

    app.post('/notifications/read', { ...authRequired, schema: { body: ReadBody } }, async (request) => {
      const body = request.body;
      return notifications.markRead(requireUser(request), 'all' in body ? 'all' : body.ids);
    });

    app.get('/notifications/preferences', authRequired, async (request, reply) => {
      void reply.headers(noStore);
      return { preferences: await preferences.of(requireUser(request)) };
    });

    app.put('/notifications/preferences', { ...authRequired, schema: { body: PreferencesBody } }, async (request) => ({
      preferences: await preferences.update(requireUser(request), request.body.preferences as Record<string, Record<string, boolean>>),
    }));
  };
}
