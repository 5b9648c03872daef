import type { FastifyPluginAsync } from 'fastify';
import type { PaymentWebhooks } from '../payments/payment-webhooks.js';

/** The provider's webhook body is signed as bytes: read it as a string, verified before it is parsed. */
const WEBHOOK_BODY_LIMIT = 65_536;

/**
 * POST /api/orders/webhooks/payments: the payment provider's webhooks (no user
 * auth: the Standard Webhooks signature is the credential). 200 with
 * `duplicate` once verified, whether the event was new or a replay; 401
 * SS_WEBHOOK_UNVERIFIED for a bad signature or a timestamp outside the window.
 */
export function paymentWebhookRoutes(webhooks: PaymentWebhooks): FastifyPluginAsync {
  return async (app) => {
    // This plugin's scope only: the rest of the API keeps the platform's JSON parser.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body));
    app.post('/orders/webhooks/payments', async (request) => {
      const body = typeof request.body === 'string' ? request.body : '';
      return { received: true, ...(await webhooks.receive(request.headers, body)) };
    });
  };
}
