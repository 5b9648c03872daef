import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { authRequired, requireUser } from '../../../platform/http/request-context.js';
import type { WebhooksDomain } from '../domain/webhooks.js';
import { CreateWebhookBody, DeliveriesQuery, DeliveryParams, ListWebhooksQuery, UpdateWebhookBody, WebhookParams } from './webhook-schemas.js';

/**
 * Webhook endpoints (docs/patterns/webhooks.md): register (the secret is in
 * that answer only), list, read, change or re-enable, rotate the secret,
 * delete; the delivery log, and replay of one or every dead-lettered delivery.
 */
export function webhooksRoutes(webhooks: WebhooksDomain): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const noStore = { 'cache-control': 'no-store' };

    app.post('/webhooks', { ...authRequired, schema: { body: CreateWebhookBody } }, async (request, reply) => {
      void reply.headers(noStore).code(201);
      return { webhook: await webhooks.create(requireUser(request), request.body.webhook) };
    });

    app.get('/webhooks', { ...authRequired, schema: { querystring: ListWebhooksQuery } }, async (request, reply) => {
      void reply.headers(noStore);
      return { webhooks: await webhooks.list(requireUser(request), request.query.all === true) };
    });

    app.get('/webhooks/:id', { ...authRequired, schema: { params: WebhookParams } }, async (request, reply) => {
      void reply.headers(noStore);
      return { webhook: await webhooks.get(requireUser(request), request.params.id) };
    });

    app.put('/webhooks/:id', { ...authRequired, schema: { params: WebhookParams, body: UpdateWebhookBody } }, async (request) => ({
      webhook: await webhooks.update(requireUser(request), request.params.id, request.body.webhook),
    }));

    app.delete('/webhooks/:id', { ...authRequired, schema: { params: WebhookParams } }, async (request, reply) => {
      await webhooks.delete(requireUser(request), request.params.id);
      return reply.code(204).send();
    });

    app.post('/webhooks/:id/rotate-secret', { ...authRequired, schema: { params: WebhookParams } }, async (request, reply) => {
      void reply.headers(noStore);
      return { webhook: await webhooks.rotateSecret(requireUser(request), request.params.id) };
    });

    app.get('/webhooks/:id/deliveries', { ...authRequired, schema: { params: WebhookParams, querystring: DeliveriesQuery } }, async (request, reply) => {
      void reply.headers(noStore);
      return webhooks.deliveryLog(requireUser(request), request.params.id, request.query);
    });

    app.post('/webhooks/:id/deliveries/replay', { ...authRequired, schema: { params: WebhookParams } }, async (request, reply) => {
      void reply.code(202);
      return webhooks.replayDead(requireUser(request), request.params.id);
    });

    app.post('/webhooks/:id/deliveries/:deliveryId/replay', { ...authRequired, schema: { params: DeliveryParams } }, async (request, reply) => {
      void reply.code(202);
      return { delivery: await webhooks.replay(requireUser(request), request.params.id, request.params.deliveryId) };
    });
  };
}
